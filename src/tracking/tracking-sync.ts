// Keeps a work order's tracking comment in step with the stored row, creating it at most once.
import type { ProbotOctokit } from "probot";
import type { RepoRef } from "../github/permissions.js";
import { WorkOrderBusyError, type MooseServices } from "../orchestrator/services.js";
import type { WorkOrder } from "../store/store.js";
import { syncTrackingComment } from "./tracking-comment.js";

/**
 * Re-reads the work order and renders its tracking comment. Creating the comment needs the work order's lease
 * (so concurrent handlers never post two); editing it does not, since every edit renders the latest row.
 */
export async function refreshTrackingComment(
  services: MooseServices,
  octokit: ProbotOctokit,
  repo: RepoRef,
  workOrderId: string,
): Promise<WorkOrder> {
  const { store, workerId, leaseMs } = services;
  const current = await store.getWorkOrder(workOrderId);
  if (!current) throw new Error(`work order ${workOrderId} vanished`);
  if (current.trackingCommentId !== null) return syncTrackingComment(octokit, store, repo, current);

  const heldAlready = current.leaseOwner === workerId && (current.leaseExpiresAt?.getTime() ?? 0) > services.now().getTime();
  const leased = await store.acquireLease(workOrderId, workerId, leaseMs);
  if (!leased) throw new WorkOrderBusyError(workOrderId);
  try {
    return await syncTrackingComment(octokit, store, repo, leased);
  } finally {
    if (!heldAlready) await store.releaseLease(workOrderId, workerId);
  }
}
