// Check, suite, status and CI-run events are hints: find the Moose PR whose head they concern and run the Sentinel.
import type { MooseServices } from "../orchestrator/services.js";
import type { PipelineConfig } from "../orchestrator/stage-context.js";
import { WorkOrderBusyError } from "../orchestrator/services.js";
import { loadStageContext } from "../orchestrator/work-order-pipeline.js";
import type { Project, WorkOrder } from "../store/store.js";
import { runSentinel } from "./sentinel.js";

export interface CheckHint {
  sha: string;
  prNumbers: readonly number[];
  branches: readonly string[];
}

async function findWaitingWorkOrder(services: MooseServices, project: Project, hint: CheckHint): Promise<WorkOrder | null> {
  const candidates: (WorkOrder | null)[] = [];
  for (const pr of hint.prNumbers) candidates.push(await services.store.findWorkOrderByPr(project.id, pr));
  // Only Moose's branch shape is worth a look-up; pull_requests[] is empty for some events (and for forks).
  for (const branch of hint.branches.filter((b) => b.startsWith("feature/wo-"))) {
    candidates.push(await services.store.findWorkOrderByBranch(project.id, branch));
  }
  return candidates.find((wo): wo is WorkOrder => wo !== null && wo.status === "pr_open" && wo.metadata.head_sha === hint.sha) ?? null;
}

/** Runs the Sentinel for the work order a hint concerns, under its lease; a busy work order retries the event. */
export async function handleCheckHint(
  services: MooseServices,
  pipeline: PipelineConfig,
  project: Project,
  hint: CheckHint,
): Promise<string> {
  const workOrder = await findWaitingWorkOrder(services, project, hint);
  if (!workOrder) return "ignored: not a Moose PR head waiting for checks";
  const leased = await services.store.acquireLease(workOrder.id, services.workerId, services.leaseMs);
  if (!leased) throw new WorkOrderBusyError(workOrder.id);
  try {
    const stage = await loadStageContext(services, pipeline, leased);
    if ("error" in stage) return `ignored: ${stage.error}`;
    return await runSentinel(stage, leased);
  } finally {
    await services.store.releaseLease(workOrder.id, services.workerId);
  }
}
