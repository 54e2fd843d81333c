// The storage contract every adapter (PostgreSQL, PGlite, Supabase) fulfils, and the records it hands out.

export const WORK_ORDER_STATUSES = [
  "pending",
  "awaiting_approval",
  "approved",
  "proposing",
  "dispatching",
  "running",
  "publishing",
  "pr_open",
  "checks_passed",
  "checks_failed",
  "completed",
  "cancelled",
  "escalated",
] as const;
export type WorkOrderStatus = (typeof WORK_ORDER_STATUSES)[number];

/** Statuses in which a work order is finished; any other status counts as "active" (one per issue). */
export const TERMINAL_STATUSES = ["completed", "cancelled"] as const satisfies readonly WorkOrderStatus[];

/** Every status that is not terminal: what an escalation, a cancel or a merge may still end. */
export const UNFINISHED_STATUSES = WORK_ORDER_STATUSES.filter((status) => status !== "completed" && status !== "cancelled");

/** Statuses in which nothing has been spent yet: removing the trigger label may cancel only these. */
export const NOT_STARTED_STATUSES = ["pending", "awaiting_approval", "approved"] as const satisfies readonly WorkOrderStatus[];

export type RiskLevel = "low" | "medium" | "high";

export interface Project {
  id: string;
  installationId: number;
  githubRepoId: number;
  owner: string;
  repo: string;
  defaultBranch: string;
  status: "active" | "inactive";
  createdAt: Date;
}

export interface UpsertProjectInput {
  installationId: number;
  githubRepoId: number;
  owner: string;
  repo: string;
  defaultBranch: string;
}

export interface WorkOrder {
  id: string;
  projectId: string;
  issueNumber: number;
  title: string;
  description: string;
  acceptanceCriteria: string[];
  filesInScope: string[];
  riskLevel: RiskLevel;
  /** Issue numbers (same repository) whose work orders must complete first. */
  dependsOn: number[];
  status: WorkOrderStatus;
  attempt: number;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  branch: string | null;
  prNumber: number | null;
  prUrl: string | null;
  runId: number | null;
  trackingCommentId: number | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewWorkOrder {
  projectId: string;
  issueNumber: number;
  title: string;
  description: string;
  acceptanceCriteria: string[];
  filesInScope: string[];
  riskLevel: RiskLevel;
  dependsOn: number[];
  status: Extract<WorkOrderStatus, "pending" | "awaiting_approval" | "approved">;
  metadata?: Record<string, unknown>;
}

/** Fields a transition may change besides the status. `metadata` is merged (shallow) into the stored object. */
export interface WorkOrderPatch {
  attempt?: number;
  branch?: string | null;
  prNumber?: number | null;
  prUrl?: string | null;
  runId?: number | null;
  trackingCommentId?: number | null;
  metadata?: Record<string, unknown>;
}

export interface TransitionInput {
  id: string;
  /** The transition happens only while the work order is in one of these statuses (compare-and-set). */
  from: readonly WorkOrderStatus[];
  to: WorkOrderStatus;
  patch?: WorkOrderPatch;
  /** When set, the transition also requires this lease owner to hold an unexpired lease. */
  leaseOwner?: string;
}

export interface GithubEvent {
  deliveryId: string;
  name: string;
  action: string | null;
  installationId: number | null;
  repoFullName: string | null;
  payload: unknown;
  attempts: number;
  receivedAt: Date;
  processedAt: Date | null;
  outcome: string | null;
}

export interface RecordEventInput {
  deliveryId: string;
  name: string;
  action: string | null;
  installationId: number | null;
  repoFullName: string | null;
  payload: unknown;
  /** For Moose's own scheduled events: not claimable before this many milliseconds from now. */
  notBeforeMs?: number;
}

export type DecisionAgent = "director" | "manager" | "sentinel" | "orchestrator";

export interface DecisionInput {
  workOrderId: string | null;
  agent: DecisionAgent;
  decision: string;
  reason: string;
  details?: Record<string, unknown>;
}

export interface Decision extends Required<DecisionInput> {
  id: string;
  createdAt: Date;
}

export type EscalationSeverity = "low" | "medium" | "high" | "critical";

export interface Escalation {
  id: string;
  workOrderId: string;
  type: string;
  severity: EscalationSeverity;
  message: string;
  /** The `/moose …` commands that resolve it, as shown to the user. */
  resolutionOptions: string[];
  status: "open" | "resolved";
  resolvedBy: string | null;
  createdAt: Date;
  resolvedAt: Date | null;
}

export interface NewEscalation {
  workOrderId: string;
  type: string;
  severity: EscalationSeverity;
  message: string;
  resolutionOptions: string[];
}

/** One LLM call's cost (`cost_tracking`). `costUsd` is null only when the price is unknown, never 0 for unknown. */
export interface CostRecord {
  workOrderId: string | null;
  stage: "proposal" | "aider";
  provider: string;
  model: string;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  costUsd: number | null;
  /** True when the cost is an estimate (e.g. the reserved upper bound of a call whose usage was lost). */
  costEstimated: boolean;
  latencyMs: number | null;
  attempt: number;
}

export interface StartWorkOrderInput {
  id: string;
  owner: string;
  model: string;
  /** Work orders in flight (proposing → publishing) across every instance, including this one once started. */
  globalLimit: number;
  /** In-flight work orders on this model; undefined means no per-model limit. */
  modelLimit?: number;
  patch?: WorkOrderPatch;
}

export interface OutcomeRecord {
  workOrderId: string;
  attempt: number;
  model: string | null;
  complexity: number | null;
  success: boolean;
  costUsd: number | null;
  durationMs: number | null;
  details?: Record<string, unknown>;
}

export interface Store {
  /** Which adapter this is, for logs and the README's verification table. */
  readonly kind: "postgres" | "pglite" | "supabase";

  upsertProject(input: UpsertProjectInput): Promise<Project>;
  getProject(id: string): Promise<Project | null>;

  /** Records a webhook delivery once; a repeated delivery id returns `inserted: false` and changes nothing. */
  recordEvent(input: RecordEventInput): Promise<{ inserted: boolean }>;
  /** Leases up to `limit` unprocessed events (oldest first) to `owner`; events leased by a live owner are skipped. */
  claimEvents(owner: string, limit: number, leaseMs: number): Promise<GithubEvent[]>;
  /** Marks a claimed event done with a short outcome ("ignored: bot", "work order created", ...). */
  completeEvent(deliveryId: string, outcome: string): Promise<void>;
  /**
   * Releases a claimed event after a failure so it is retried, no sooner than `retryAfterMs` from now (default at
   * once); after `maxAttempts` it is closed as failed.
   */
  failEvent(deliveryId: string, error: string, maxAttempts: number, retryAfterMs?: number): Promise<void>;

  /**
   * Creates a work order unless the issue already has an active one (any non-terminal status), in which case
   * that one is returned with `created: false`. The uniqueness lives in SQL so concurrent calls agree.
   */
  createWorkOrder(input: NewWorkOrder): Promise<{ workOrder: WorkOrder; created: boolean }>;
  getWorkOrder(id: string): Promise<WorkOrder | null>;
  findActiveWorkOrder(projectId: string, issueNumber: number): Promise<WorkOrder | null>;
  /** The newest work order for the issue, whatever its status. */
  findLatestWorkOrder(projectId: string, issueNumber: number): Promise<WorkOrder | null>;
  findWorkOrderByPr(projectId: string, prNumber: number): Promise<WorkOrder | null>;
  /** The newest work order whose PR branch is `branch`. */
  findWorkOrderByBranch(projectId: string, branch: string): Promise<WorkOrder | null>;
  /** Work orders (every project) in one of `statuses`, least recently updated first: the reconciler's worklist. */
  listWorkOrdersInStatus(statuses: readonly WorkOrderStatus[], limit: number): Promise<WorkOrder[]>;
  listProjects(): Promise<Project[]>;
  /** Compare-and-set status change; returns the updated row, or null when `from`/lease did not match. */
  transitionWorkOrder(input: TransitionInput): Promise<WorkOrder | null>;
  /** Updates fields without changing the status (e.g. the tracking comment id). */
  updateWorkOrder(id: string, patch: WorkOrderPatch): Promise<WorkOrder | null>;

  /**
   * Leases one work order in one of `statuses` whose lease is free or expired (FOR UPDATE SKIP LOCKED),
   * oldest `updated_at` first. Returns null when none is available.
   */
  claimWorkOrder(owner: string, statuses: readonly WorkOrderStatus[], leaseMs: number): Promise<WorkOrder | null>;
  /**
   * Leases one specific work order to `owner` when its lease is free, expired or already `owner`'s (whatever its
   * status); null when another owner holds a live lease. Used by event handlers that must act on one work order.
   */
  acquireLease(id: string, owner: string, leaseMs: number): Promise<WorkOrder | null>;
  /** Extends the lease while `owner` still holds it; false when it was lost. */
  renewLease(id: string, owner: string, leaseMs: number): Promise<boolean>;
  releaseLease(id: string, owner: string): Promise<void>;

  recordDecision(input: DecisionInput): Promise<Decision>;
  listDecisions(workOrderId: string): Promise<Decision[]>;

  /**
   * Moves a leased `approved` work order to `proposing` if global and per-model capacity allow, atomically across
   * instances (a SQL function serialises the count and the update). `"capacity"` when full; null when the lease or
   * status no longer match.
   */
  startWorkOrder(input: StartWorkOrderInput): Promise<WorkOrder | "capacity" | null>;

  /** Budget ledger (migration 0002): reservation id, or null when `amountUsd` would pass `limitUsd`. */
  reserveBudget(input: { month: string; workOrderId: string | null; amountUsd: number; limitUsd: number }): Promise<string | null>;
  settleBudget(reservationId: string, actualUsd: number): Promise<void>;
  releaseBudget(reservationId: string): Promise<void>;
  monthSpend(month: string): Promise<{ spentUsd: number; reservedUsd: number }>;
  recordCost(cost: CostRecord): Promise<void>;
  listCosts(workOrderId: string): Promise<CostRecord[]>;

  createEscalation(input: NewEscalation): Promise<Escalation>;
  listOpenEscalations(workOrderId: string): Promise<Escalation[]>;
  /** Resolves every open escalation of the work order; returns how many were open. */
  resolveEscalations(workOrderId: string, resolvedBy: string): Promise<number>;

  recordOutcome(outcome: OutcomeRecord): Promise<void>;

  close(): Promise<void>;
}
