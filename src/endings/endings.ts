// How a work order ends: merged → completed; PR closed, issue closed or `/moose cancel` → cancelled, branch deleted.
import type { ProbotOctokit } from "probot";
import type { RepoRef } from "../github/permissions.js";
import type { MooseServices } from "../orchestrator/services.js";
import { deleteBranch } from "../publisher/publish-work-order.js";
import { UNFINISHED_STATUSES, type WorkOrder, type WorkOrderStatus } from "../store/store.js";
import { withProgress } from "../tracking/tracking-comment.js";
import { refreshTrackingComment } from "../tracking/tracking-sync.js";


export async function completeWorkOrder(services: MooseServices, octokit: ProbotOctokit, repo: RepoRef, workOrder: WorkOrder, mergedBy: string | null): Promise<string> {
  const completed = await services.store.transitionWorkOrder({
    id: workOrder.id,
    from: UNFINISHED_STATUSES,
    to: "completed",
    patch: { metadata: withProgress(workOrder, "orchestrator", `PR #${workOrder.prNumber} merged${mergedBy ? ` by @${mergedBy}` : ""}`, services.now()) },
  });
  if (!completed) return `ignored: work order already ${workOrder.status}`;
  await services.store.resolveEscalations(workOrder.id, mergedBy ?? "merge");
  await services.store.recordDecision({ workOrderId: workOrder.id, agent: "orchestrator", decision: "completed", reason: `PR #${workOrder.prNumber} merged`, details: { merged_by: mergedBy } });
  await refreshTrackingComment(services, octokit, repo, workOrder.id);
  return "work order completed";
}

/**
 * Cancels an unfinished work order, cancels its runner run if one is going, and deletes its PR branch (which also
 * closes an open PR). A run that still finishes pushes a result branch that is deleted when the run completes.
 */
export async function cancelWorkOrder(
  services: MooseServices,
  octokit: ProbotOctokit,
  repo: RepoRef,
  workOrder: WorkOrder,
  why: string,
  by: string,
  from: readonly WorkOrderStatus[] = UNFINISHED_STATUSES,
  metadata: Record<string, unknown> = {},
): Promise<string> {
  const cancelled = await services.store.transitionWorkOrder({
    id: workOrder.id,
    from,
    to: "cancelled",
    patch: { metadata: { ...metadata, ...withProgress(workOrder, "orchestrator", `cancelled: ${why}`, services.now()) } },
  });
  if (!cancelled) return `ignored: work order already ${workOrder.status}`;
  // A run still going would keep Aider spending on a change nobody will publish.
  if (workOrder.runId !== null && (workOrder.status === "running" || workOrder.status === "dispatching")) {
    await octokit.rest.actions.cancelWorkflowRun({ ...repo, run_id: workOrder.runId }).catch((error: { status?: number }) => {
      if (error.status !== 409 && error.status !== 404) throw error; // 409: the run already finished
    });
  }
  if (workOrder.branch) await deleteBranch(octokit, repo, workOrder.branch);
  await services.store.resolveEscalations(workOrder.id, by);
  await services.store.recordDecision({ workOrderId: workOrder.id, agent: "orchestrator", decision: "cancelled", reason: why, details: { by } });
  await refreshTrackingComment(services, octokit, repo, workOrder.id);
  return "work order cancelled";
}

/** Acts on a Moose PR's state as GitHub has it now (merged, closed) — used by webhooks and the reconciler alike. */
export async function settlePullRequestState(
  services: MooseServices,
  octokit: ProbotOctokit,
  repo: RepoRef,
  workOrder: WorkOrder,
  pull: { state: string; merged?: boolean | null; merged_by?: { login: string } | null },
  closedBy: string,
): Promise<string | null> {
  if (pull.merged) return completeWorkOrder(services, octokit, repo, workOrder, pull.merged_by?.login ?? null);
  if (pull.state === "closed") return cancelWorkOrder(services, octokit, repo, workOrder, `PR #${workOrder.prNumber} was closed without merging`, closedBy);
  return null;
}
