// Drives leased work orders through Manager → Proposer → dispatch, with a heartbeat on the lease while a stage runs.
import { RETRY_OPTIONS, escalateWorkOrder } from "../escalations/escalate.js";
import { loadRepoConfig } from "../github/repo-config-source.js";
import { manageWorkOrder } from "../manager/manage-work-order.js";
import { proposeWorkOrder } from "../proposer/propose-work-order.js";
import { publishWorkOrder } from "../publisher/publish-work-order.js";
import type { WorkOrder, WorkOrderStatus } from "../store/store.js";
import { dispatchWorkOrder } from "./dispatch.js";
import type { MooseServices } from "./services.js";
import type { PipelineConfig, StageContext, StageOutcome } from "./stage-context.js";
import type { WorkerJob } from "./worker.js";

/** The statuses the worker moves on by itself; every other status waits for GitHub or a human. */
export const WORKER_STATUSES = ["approved", "proposing", "dispatching", "publishing"] as const satisfies readonly WorkOrderStatus[];

const STAGES: Record<(typeof WORKER_STATUSES)[number], (stage: StageContext, workOrder: WorkOrder) => Promise<StageOutcome>> = {
  approved: manageWorkOrder,
  proposing: proposeWorkOrder,
  dispatching: dispatchWorkOrder,
  publishing: publishWorkOrder,
};

/** Everything a stage needs for the work order's repository; a broken `.github/moose.yml` comes back as an error. */
export async function loadStageContext(
  services: MooseServices,
  pipeline: PipelineConfig,
  workOrder: WorkOrder,
): Promise<StageContext | { error: string; octokit: StageContext["octokit"]; repo: StageContext["repo"] }> {
  const project = await services.store.getProject(workOrder.projectId);
  if (!project) throw new Error(`project ${workOrder.projectId} of work order ${workOrder.id} is missing`);
  const repo = { owner: project.owner, repo: project.repo };
  const octokit = await services.octokitFor(project.installationId);
  const loaded = await loadRepoConfig(octokit, repo);
  if (!loaded.ok) return { error: loaded.error, octokit, repo };
  return { services, pipeline, octokit, repo, project, config: loaded.config };
}

/** A stage that keeps failing on GitHub or network errors is escalated after this many tries, not retried forever. */
const MAX_TRANSIENT_FAILURES = 3;

/** GitHub's 5xx and rate limits, and connection failures, may pass; anything else is a real problem to report. */
function isTransient(error: unknown): boolean {
  const status = (error as { status?: unknown }).status;
  if (typeof status === "number") return status >= 500 || status === 429 || status === 408;
  const code = (error as { code?: unknown; cause?: { code?: unknown } }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === "string" && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|UND_ERR_)/.test(code);
}

function isWorkerStatus(status: WorkOrderStatus): status is (typeof WORKER_STATUSES)[number] {
  return (WORKER_STATUSES as readonly string[]).includes(status);
}

/**
 * Claims up to `maxConcurrency` work orders and advances each as far as it can go. Capacity across instances is
 * enforced in SQL when a work order starts; this limit only keeps one process from claiming more than it should.
 */
export function createPipelineJob(services: MooseServices, pipeline: PipelineConfig): WorkerJob {
  return async () => {
    const claimed: WorkOrder[] = [];
    while (claimed.length < pipeline.maxConcurrency) {
      const workOrder = await services.store.claimWorkOrder(services.workerId, WORKER_STATUSES, services.leaseMs);
      if (!workOrder) break;
      claimed.push(workOrder);
    }
    await Promise.all(claimed.map((workOrder) => advanceWorkOrder(services, pipeline, workOrder)));
    return claimed.length > 0;
  };
}

export async function advanceWorkOrder(services: MooseServices, pipeline: PipelineConfig, leased: WorkOrder): Promise<void> {
  const { store, workerId, leaseMs } = services;
  const log = services.log.child({ workOrder: leased.id, issue: leased.issueNumber });
  const started = Date.now();
  // Keeps the lease while a slow stage (an LLM call) runs; if it is lost, the stage's lease-checked writes fail.
  const heartbeat = setInterval(() => void store.renewLease(leased.id, workerId, leaseMs).catch(() => undefined), Math.max(250, leaseMs / 3));
  heartbeat.unref();
  let snoozed = false;
  let workOrder = leased;
  const stages: string[] = [];
  try {
    const loaded = await loadStageContext(services, pipeline, workOrder);
    if ("error" in loaded) {
      await escalateWorkOrder(services, loaded.octokit, loaded.repo, workOrder, { type: "config", severity: "high", message: loaded.error, options: RETRY_OPTIONS });
      return;
    }
    const stage = loaded;
    const { octokit, repo } = stage;
    while (isWorkerStatus(workOrder.status)) {
      stages.push(workOrder.status);
      let outcome: StageOutcome;
      try {
        outcome = await STAGES[workOrder.status](stage, workOrder);
      } catch (error) {
        const failures = (typeof workOrder.metadata.stage_failures === "number" ? workOrder.metadata.stage_failures : 0) + 1;
        if (isTransient(error) && failures < MAX_TRANSIENT_FAILURES) {
          log.warn({ err: error, status: workOrder.status, failures }, "stage hit a transient error; will retry");
          await store.updateWorkOrder(workOrder.id, { metadata: { stage_failures: failures } });
          snoozed = await store.renewLease(workOrder.id, workerId, pipeline.recheckMs);
          return;
        }
        log.error({ err: error, status: workOrder.status }, "stage failed");
        await escalateWorkOrder(services, octokit, repo, workOrder, {
          type: "internal",
          severity: "high",
          message: `Moose hit an unexpected error in the ${workOrder.status} stage: ${(error as Error).message ?? String(error)}`.slice(0, 2_000),
          options: RETRY_OPTIONS,
        });
        return;
      }
      if (outcome.kind === "advanced") {
        workOrder = outcome.workOrder;
        if (workOrder.metadata.stage_failures) workOrder = (await store.updateWorkOrder(workOrder.id, { metadata: { stage_failures: 0 } })) ?? workOrder;
        continue;
      }
      if (outcome.kind === "snooze") {
        // Holding the lease until the recheck time keeps other passes from spinning on it.
        snoozed = await store.renewLease(workOrder.id, workerId, pipeline.recheckMs);
      }
      log.info({ stages, outcome: outcome.kind, reason: outcome.reason, durationMs: Date.now() - started }, "work order advanced");
      return;
    }
    log.info({ stages, status: workOrder.status, durationMs: Date.now() - started }, "work order advanced");
  } catch (error) {
    // Even escalating failed (GitHub or the database is down): back off instead of spinning on this work order.
    log.error({ err: error, stages }, "work order stalled; will retry after the recheck interval");
    snoozed = await store.renewLease(leased.id, workerId, pipeline.recheckMs).catch(() => false);
  } finally {
    clearInterval(heartbeat);
    if (!snoozed) await store.releaseLease(leased.id, workerId);
  }
}
