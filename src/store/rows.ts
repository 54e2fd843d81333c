// Mapping database rows (snake_case, from pg, PGlite or PostgREST JSON) to the camelCase records in store.ts.
import { z } from "zod";
import {
  WORK_ORDER_STATUSES,
  type CostRecord,
  type Decision,
  type Escalation,
  type GithubEvent,
  type Project,
  type WorkOrder,
} from "./store.js";

/** bigint columns arrive as strings (pg), numbers (PGlite, JSON) or bigints; GitHub ids fit in a JS number. */
const integer = z.union([z.number(), z.string(), z.bigint()]).transform((value, ctx) => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) {
    ctx.addIssue({ code: "custom", message: `expected an integer within JS number range, got ${String(value)}` });
    return z.NEVER;
  }
  return parsed;
});

/** numeric columns arrive as strings (pg, PGlite) or numbers (JSON); money fits a double at these magnitudes. */
export const decimal = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const parsed = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(parsed) || (typeof value === "string" && value.trim() === "")) {
    ctx.addIssue({ code: "custom", message: `expected a number, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return parsed;
});

/** Timestamps arrive as Date (pg, PGlite) or ISO strings (PostgREST, to_jsonb). */
const timestamp = z.union([z.date(), z.string()]).transform((value, ctx) => {
  const parsed = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(parsed.getTime())) {
    ctx.addIssue({ code: "custom", message: `expected a timestamp, got ${String(value)}` });
    return z.NEVER;
  }
  return parsed;
});

const jsonObject = z.record(z.string(), z.unknown());

export const projectRow = z
  .object({
    id: z.string(),
    installation_id: integer,
    github_repo_id: integer,
    owner: z.string(),
    repo: z.string(),
    default_branch: z.string(),
    status: z.enum(["active", "inactive"]),
    created_at: timestamp,
  })
  .transform(
    (row): Project => ({
      id: row.id,
      installationId: row.installation_id,
      githubRepoId: row.github_repo_id,
      owner: row.owner,
      repo: row.repo,
      defaultBranch: row.default_branch,
      status: row.status,
      createdAt: row.created_at,
    }),
  );

export const workOrderRow = z
  .object({
    id: z.string(),
    project_id: z.string(),
    issue_number: integer,
    title: z.string(),
    description: z.string(),
    acceptance_criteria: z.array(z.string()),
    files_in_scope: z.array(z.string()),
    risk_level: z.enum(["low", "medium", "high"]),
    depends_on: z.array(integer),
    status: z.enum(WORK_ORDER_STATUSES),
    attempt: integer,
    lease_owner: z.string().nullable(),
    lease_expires_at: timestamp.nullable(),
    branch: z.string().nullable(),
    pr_number: integer.nullable(),
    pr_url: z.string().nullable(),
    run_id: integer.nullable(),
    tracking_comment_id: integer.nullable(),
    metadata: jsonObject,
    created_at: timestamp,
    updated_at: timestamp,
  })
  .transform(
    (row): WorkOrder => ({
      id: row.id,
      projectId: row.project_id,
      issueNumber: row.issue_number,
      title: row.title,
      description: row.description,
      acceptanceCriteria: row.acceptance_criteria,
      filesInScope: row.files_in_scope,
      riskLevel: row.risk_level,
      dependsOn: row.depends_on,
      status: row.status,
      attempt: row.attempt,
      leaseOwner: row.lease_owner,
      leaseExpiresAt: row.lease_expires_at,
      branch: row.branch,
      prNumber: row.pr_number,
      prUrl: row.pr_url,
      runId: row.run_id,
      trackingCommentId: row.tracking_comment_id,
      metadata: row.metadata,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }),
  );

export const githubEventRow = z
  .object({
    delivery_id: z.string(),
    name: z.string(),
    action: z.string().nullable(),
    installation_id: integer.nullable(),
    repo_full_name: z.string().nullable(),
    payload: z.unknown(),
    attempts: integer,
    received_at: timestamp,
    processed_at: timestamp.nullable(),
    outcome: z.string().nullable(),
  })
  .transform(
    (row): GithubEvent => ({
      deliveryId: row.delivery_id,
      name: row.name,
      action: row.action,
      installationId: row.installation_id,
      repoFullName: row.repo_full_name,
      payload: row.payload,
      attempts: row.attempts,
      receivedAt: row.received_at,
      processedAt: row.processed_at,
      outcome: row.outcome,
    }),
  );

export const decisionRow = z
  .object({
    id: z.string(),
    work_order_id: z.string().nullable(),
    agent: z.enum(["director", "manager", "sentinel", "orchestrator"]),
    decision: z.string(),
    reason: z.string(),
    details: jsonObject,
    created_at: timestamp,
  })
  .transform(
    (row): Decision => ({
      id: row.id,
      workOrderId: row.work_order_id,
      agent: row.agent,
      decision: row.decision,
      reason: row.reason,
      details: row.details,
      createdAt: row.created_at,
    }),
  );

export const escalationRow = z
  .object({
    id: z.string(),
    work_order_id: z.string(),
    type: z.string(),
    severity: z.enum(["low", "medium", "high", "critical"]),
    message: z.string(),
    resolution_options: z.array(z.string()),
    status: z.enum(["open", "resolved"]),
    resolved_by: z.string().nullable(),
    created_at: timestamp,
    resolved_at: timestamp.nullable(),
  })
  .transform(
    (row): Escalation => ({
      id: row.id,
      workOrderId: row.work_order_id,
      type: row.type,
      severity: row.severity,
      message: row.message,
      resolutionOptions: row.resolution_options,
      status: row.status,
      resolvedBy: row.resolved_by,
      createdAt: row.created_at,
      resolvedAt: row.resolved_at,
    }),
  );

export const costRow = z
  .object({
    work_order_id: z.string().nullable(),
    attempt: integer,
    stage: z.enum(["proposal", "aider"]),
    provider: z.string(),
    model: z.string(),
    input_tokens: integer.nullable(),
    output_tokens: integer.nullable(),
    cache_read_tokens: integer.nullable(),
    cache_write_tokens: integer.nullable(),
    cost_usd: decimal.nullable(),
    cost_estimated: z.boolean(),
    latency_ms: integer.nullable(),
  })
  .transform(
    (row): CostRecord => ({
      workOrderId: row.work_order_id,
      stage: row.stage,
      provider: row.provider,
      model: row.model,
      inputTokens: row.input_tokens,
      outputTokens: row.output_tokens,
      cacheReadTokens: row.cache_read_tokens,
      cacheWriteTokens: row.cache_write_tokens,
      costUsd: row.cost_usd,
      costEstimated: row.cost_estimated,
      latencyMs: row.latency_ms,
      attempt: row.attempt,
    }),
  );

export const monthSpendRow = z
  .object({ spent: decimal, reserved: decimal })
  .transform((row) => ({ spentUsd: row.spent, reservedUsd: row.reserved }));

/** Parses one row, naming the table and the offending column when the database hands back something unexpected. */
export function parseRow<Schema extends z.ZodType>(schema: Schema, table: string, row: unknown): z.output<Schema> {
  const result = schema.safeParse(row);
  if (!result.success) {
    throw new Error(`unexpected ${table} row: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}
