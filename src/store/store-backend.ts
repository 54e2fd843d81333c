// The one Store implementation all adapters share, written against the small StoreBackend each adapter provides
// (call a moose_* SQL function, select by equality, insert/upsert a row). The guarantees live in the SQL functions.
import {
  costRow,
  decisionRow,
  escalationRow,
  githubEventRow,
  monthSpendRow,
  parseRow,
  projectRow,
  workOrderRow,
} from "./rows.js";
import {
  TERMINAL_STATUSES,
  WORK_ORDER_STATUSES,
  type Decision,
  type Store,
  type WorkOrder,
  type WorkOrderPatch,
} from "./store.js";

/** Marks an argument or column value as jsonb, so SQL backends serialise it and Supabase sends it as JSON. */
export class JsonValue {
  constructor(readonly value: unknown) {}
}

export interface SelectQuery {
  /** column = value for each entry. */
  equal: Record<string, string | number>;
  /** column not in (values). */
  notIn?: { column: string; values: readonly string[] };
  orderBy?: { column: string; ascending: boolean }[];
  limit?: number;
}

export interface StoreBackend {
  readonly kind: Store["kind"];
  /** Calls a set-returning SQL function with named arguments; returns its rows. */
  callRows(fn: string, args: Record<string, unknown>): Promise<unknown[]>;
  /** Calls a scalar (or void) SQL function with named arguments; returns its value. */
  callValue(fn: string, args: Record<string, unknown>): Promise<unknown>;
  select(table: string, query: SelectQuery): Promise<unknown[]>;
  /**
   * Inserts one row and returns it; with `onConflict` (comma-separated columns of a unique constraint), updates the
   * given columns of the existing row instead.
   */
  insert(table: string, row: Record<string, unknown>, options?: { onConflict: string }): Promise<unknown>;
  close(): Promise<void>;
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, got ${String(value)}`);
  }
}

function patchToColumns(patch: WorkOrderPatch | undefined): Record<string, unknown> {
  if (!patch) return {};
  const columns: Record<string, unknown> = {};
  if (patch.attempt !== undefined) {
    requirePositiveInteger("patch.attempt", patch.attempt);
    columns.attempt = patch.attempt;
  }
  if (patch.branch !== undefined) columns.branch = patch.branch;
  if (patch.prNumber !== undefined) columns.pr_number = patch.prNumber;
  if (patch.prUrl !== undefined) columns.pr_url = patch.prUrl;
  if (patch.runId !== undefined) columns.run_id = patch.runId;
  if (patch.trackingCommentId !== undefined) columns.tracking_comment_id = patch.trackingCommentId;
  if (patch.metadata !== undefined) columns.metadata = patch.metadata;
  return columns;
}

function firstWorkOrder(rows: unknown[]): WorkOrder | null {
  return rows.length > 0 ? parseRow(workOrderRow, "work_orders", rows[0]) : null;
}

/** The single row of a `returns table (<flag>, work_order jsonb)` function. */
function flaggedWorkOrder<Flag extends string>(fn: string, flag: Flag, rows: unknown[]): Record<Flag, unknown> & { work_order: unknown } {
  const [result] = rows as (Record<Flag, unknown> & { work_order?: unknown })[];
  if (!result || !(flag in result) || !("work_order" in result)) {
    throw new Error(`${fn} returned an unexpected result: ${JSON.stringify(rows)}`);
  }
  return result as Record<Flag, unknown> & { work_order: unknown };
}

export function createStore(backend: StoreBackend): Store {
  const updateWorkOrder = async (args: {
    id: string;
    patch: WorkOrderPatch | undefined;
    from: readonly string[] | null;
    to: string | null;
    leaseOwner: string | null;
  }): Promise<WorkOrder | null> =>
    firstWorkOrder(
      await backend.callRows("moose_update_work_order", {
        p_id: args.id,
        p_patch: new JsonValue(patchToColumns(args.patch)),
        p_from: args.from,
        p_to: args.to,
        p_lease_owner: args.leaseOwner,
      }),
    );

  const findOneWorkOrder = async (query: SelectQuery): Promise<WorkOrder | null> =>
    firstWorkOrder(await backend.select("work_orders", { ...query, limit: 1 }));

  return {
    kind: backend.kind,

    async upsertProject(input) {
      const row = await backend.insert(
        "projects",
        {
          installation_id: input.installationId,
          github_repo_id: input.githubRepoId,
          owner: input.owner,
          repo: input.repo,
          default_branch: input.defaultBranch,
          status: "active",
        },
        { onConflict: "github_repo_id" },
      );
      return parseRow(projectRow, "projects", row);
    },

    async getProject(id) {
      const rows = await backend.select("projects", { equal: { id }, limit: 1 });
      return rows.length > 0 ? parseRow(projectRow, "projects", rows[0]) : null;
    },

    async recordEvent(input) {
      const inserted = await backend.callValue("moose_record_event", {
        p_delivery_id: input.deliveryId,
        p_name: input.name,
        p_action: input.action,
        p_installation_id: input.installationId,
        p_repo_full_name: input.repoFullName,
        p_payload: new JsonValue(input.payload ?? null),
        ...(input.notBeforeMs && input.notBeforeMs > 0 ? { p_not_before_ms: Math.round(input.notBeforeMs) } : {}),
      });
      return { inserted: inserted === true };
    },

    async claimEvents(owner, limit, leaseMs) {
      requirePositiveInteger("limit", limit);
      requirePositiveInteger("leaseMs", leaseMs);
      const rows = await backend.callRows("moose_claim_events", { p_owner: owner, p_limit: limit, p_lease_ms: leaseMs });
      return rows.map((row) => parseRow(githubEventRow, "github_events", row));
    },

    async completeEvent(deliveryId, outcome) {
      await backend.callValue("moose_complete_event", { p_delivery_id: deliveryId, p_outcome: outcome });
    },

    async failEvent(deliveryId, error, maxAttempts, retryAfterMs = 0) {
      requirePositiveInteger("maxAttempts", maxAttempts);
      await backend.callValue("moose_fail_event", {
        p_delivery_id: deliveryId,
        p_error: error,
        p_max_attempts: maxAttempts,
        p_retry_after_ms: Math.max(0, Math.round(retryAfterMs)),
      });
    },

    async createWorkOrder(input) {
      requirePositiveInteger("issueNumber", input.issueNumber);
      const rows = await backend.callRows("moose_create_work_order", {
        p_project_id: input.projectId,
        p_issue_number: input.issueNumber,
        p_title: input.title,
        p_description: input.description,
        p_acceptance_criteria: input.acceptanceCriteria,
        p_files_in_scope: input.filesInScope,
        p_risk_level: input.riskLevel,
        p_depends_on: input.dependsOn,
        p_status: input.status,
        p_metadata: new JsonValue(input.metadata ?? {}),
      });
      const result = flaggedWorkOrder("moose_create_work_order", "created", rows);
      return { workOrder: parseRow(workOrderRow, "work_orders", result.work_order), created: result.created === true };
    },

    async getWorkOrder(id) {
      return findOneWorkOrder({ equal: { id } });
    },

    async findActiveWorkOrder(projectId, issueNumber) {
      return findOneWorkOrder({
        equal: { project_id: projectId, issue_number: issueNumber },
        notIn: { column: "status", values: TERMINAL_STATUSES },
      });
    },

    async findLatestWorkOrder(projectId, issueNumber) {
      return findOneWorkOrder({
        equal: { project_id: projectId, issue_number: issueNumber },
        orderBy: [{ column: "created_at", ascending: false }],
      });
    },

    async findWorkOrderByBranch(projectId, branch) {
      return findOneWorkOrder({
        equal: { project_id: projectId, branch },
        orderBy: [{ column: "created_at", ascending: false }],
      });
    },

    async listWorkOrdersInStatus(statuses, limit) {
      requirePositiveInteger("limit", limit);
      const rows = await backend.select("work_orders", {
        equal: {},
        notIn: { column: "status", values: WORK_ORDER_STATUSES.filter((status) => !statuses.includes(status)) },
        orderBy: [{ column: "updated_at", ascending: true }],
        limit,
      });
      return rows.map((row) => parseRow(workOrderRow, "work_orders", row));
    },

    async listProjects() {
      const rows = await backend.select("projects", { equal: { status: "active" }, orderBy: [{ column: "created_at", ascending: true }] });
      return rows.map((row) => parseRow(projectRow, "projects", row));
    },

    async findWorkOrderByPr(projectId, prNumber) {
      return findOneWorkOrder({
        equal: { project_id: projectId, pr_number: prNumber },
        orderBy: [{ column: "created_at", ascending: false }],
      });
    },

    async transitionWorkOrder(input) {
      return updateWorkOrder({
        id: input.id,
        patch: input.patch,
        from: input.from,
        to: input.to,
        leaseOwner: input.leaseOwner ?? null,
      });
    },

    async updateWorkOrder(id, patch) {
      return updateWorkOrder({ id, patch, from: null, to: null, leaseOwner: null });
    },

    async claimWorkOrder(owner, statuses, leaseMs) {
      requirePositiveInteger("leaseMs", leaseMs);
      return firstWorkOrder(
        await backend.callRows("moose_claim_work_order", { p_owner: owner, p_statuses: statuses, p_lease_ms: leaseMs }),
      );
    },

    async acquireLease(id, owner, leaseMs) {
      requirePositiveInteger("leaseMs", leaseMs);
      return firstWorkOrder(
        await backend.callRows("moose_acquire_lease", { p_id: id, p_owner: owner, p_lease_ms: leaseMs }),
      );
    },

    async renewLease(id, owner, leaseMs) {
      requirePositiveInteger("leaseMs", leaseMs);
      return (await backend.callValue("moose_renew_lease", { p_id: id, p_owner: owner, p_lease_ms: leaseMs })) === true;
    },

    async releaseLease(id, owner) {
      await backend.callValue("moose_release_lease", { p_id: id, p_owner: owner });
    },

    async recordDecision(input) {
      const row = await backend.insert("decision_logs", {
        work_order_id: input.workOrderId,
        agent: input.agent,
        decision: input.decision,
        reason: input.reason,
        details: new JsonValue(input.details ?? {}),
      });
      return parseRow(decisionRow, "decision_logs", row);
    },

    async listDecisions(workOrderId): Promise<Decision[]> {
      const rows = await backend.select("decision_logs", {
        equal: { work_order_id: workOrderId },
        orderBy: [
          { column: "created_at", ascending: true },
          { column: "id", ascending: true },
        ],
      });
      return rows.map((row) => parseRow(decisionRow, "decision_logs", row));
    },

    async startWorkOrder(input) {
      requirePositiveInteger("globalLimit", input.globalLimit);
      if (input.modelLimit !== undefined) requirePositiveInteger("modelLimit", input.modelLimit);
      const rows = await backend.callRows("moose_start_work_order", {
        p_id: input.id,
        p_owner: input.owner,
        p_model: input.model,
        p_global_limit: input.globalLimit,
        p_model_limit: input.modelLimit ?? null,
        p_patch: new JsonValue(patchToColumns(input.patch)),
      });
      const result = flaggedWorkOrder("moose_start_work_order", "outcome", rows);
      if (result.outcome === "capacity") return "capacity";
      if (result.outcome === "lost") return null;
      return parseRow(workOrderRow, "work_orders", result.work_order);
    },

    async reserveBudget(input) {
      const id = await backend.callValue("moose_reserve_budget", {
        p_month: input.month,
        p_work_order_id: input.workOrderId,
        p_amount: input.amountUsd,
        p_limit: input.limitUsd,
      });
      return typeof id === "string" ? id : null;
    },

    async settleBudget(reservationId, actualUsd) {
      await backend.callValue("moose_settle_budget", { p_id: reservationId, p_actual: actualUsd });
    },

    async releaseBudget(reservationId) {
      await backend.callValue("moose_release_budget", { p_id: reservationId });
    },

    async monthSpend(month) {
      const rows = await backend.callRows("moose_month_spend", { p_month: month });
      return parseRow(monthSpendRow, "moose_month_spend", rows[0]);
    },

    async recordCost(cost) {
      await backend.insert("cost_tracking", {
        work_order_id: cost.workOrderId,
        attempt: cost.attempt,
        stage: cost.stage,
        provider: cost.provider,
        model: cost.model,
        input_tokens: cost.inputTokens,
        output_tokens: cost.outputTokens,
        cache_read_tokens: cost.cacheReadTokens,
        cache_write_tokens: cost.cacheWriteTokens,
        cost_usd: cost.costUsd,
        cost_estimated: cost.costEstimated,
        latency_ms: cost.latencyMs,
      });
    },

    async listCosts(workOrderId) {
      const rows = await backend.select("cost_tracking", {
        equal: { work_order_id: workOrderId },
        orderBy: [{ column: "created_at", ascending: true }],
      });
      return rows.map((row) => parseRow(costRow, "cost_tracking", row));
    },

    async createEscalation(input) {
      const row = await backend.insert("escalations", {
        work_order_id: input.workOrderId,
        type: input.type,
        severity: input.severity,
        message: input.message,
        resolution_options: input.resolutionOptions,
      });
      return parseRow(escalationRow, "escalations", row);
    },

    async listOpenEscalations(workOrderId) {
      const rows = await backend.select("escalations", {
        equal: { work_order_id: workOrderId, status: "open" },
        orderBy: [{ column: "created_at", ascending: true }],
      });
      return rows.map((row) => parseRow(escalationRow, "escalations", row));
    },

    async resolveEscalations(workOrderId, resolvedBy) {
      const count = await backend.callValue("moose_resolve_escalations", {
        p_work_order_id: workOrderId,
        p_resolved_by: resolvedBy,
      });
      return Number(count);
    },

    async recordOutcome(outcome) {
      // A worker that crashed after recording retries the stage; the attempt's row is then replaced, not duplicated.
      await backend.insert(
        "outcome_vectors",
        {
          work_order_id: outcome.workOrderId,
          attempt: outcome.attempt,
          model: outcome.model,
          complexity: outcome.complexity,
          success: outcome.success,
          cost_usd: outcome.costUsd,
          duration_ms: outcome.durationMs,
          details: new JsonValue(outcome.details ?? {}),
        },
        { onConflict: "work_order_id,attempt" },
      );
    },

    close: () => backend.close(),
  };
}
