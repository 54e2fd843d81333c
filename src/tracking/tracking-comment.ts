// The one issue comment per work order that every stage edits in place: rendering and keeping it in sync.
import type { ProbotOctokit } from "probot";
import type { RepoRef } from "../github/permissions.js";
import type { Store, WorkOrder, WorkOrderStatus } from "../store/store.js";

export interface ProgressEntry {
  at: string;
  stage: string;
  text: string;
}

/** How many progress lines the comment keeps; older ones are summarised so the comment stays readable. */
const MAX_PROGRESS = 30;

const STATUS_HINTS: Partial<Record<WorkOrderStatus, string>> = {
  pending: "Moose is reading the issue.",
  awaiting_approval: "Waiting for a maintainer: comment `/moose approve` to start it, or `/moose cancel`.",
  approved: "Approved; queued for the Manager.",
  proposing: "Asking the model for a proposal.",
  dispatching: "Starting the runner workflow.",
  running: "The runner is applying the change.",
  publishing: "Checking the runner's change and publishing it.",
  pr_open: "Pull request open; waiting for its checks.",
  checks_passed: "Checks passed; ready for review.",
  checks_failed: "Checks failed: comment `/moose retry` to try again.",
  completed: "Merged. Done.",
  cancelled: "Cancelled; nothing more will run.",
  escalated: "Stopped and needs a human: see the options below.",
};

export function trackingMarker(workOrderId: string): string {
  return `<!-- moose:tracking work-order=${workOrderId} -->`;
}

export function shortWorkOrderId(id: string): string {
  return id.slice(0, 8);
}

export function progressOf(workOrder: Pick<WorkOrder, "metadata">): ProgressEntry[] {
  const progress = workOrder.metadata.progress;
  return Array.isArray(progress) ? (progress as ProgressEntry[]) : [];
}

/** The metadata patch that appends one progress line (the store merges it into the work order's metadata). */
export function withProgress(
  workOrder: Pick<WorkOrder, "metadata">,
  stage: string,
  text: string,
  now: Date = new Date(),
): { progress: ProgressEntry[] } {
  const next = [...progressOf(workOrder), { at: now.toISOString(), stage, text }];
  return { progress: next.slice(-MAX_PROGRESS) };
}

// Progress text is written by Moose, but may quote model ids or check names: keep it on one table row.
function tableCell(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

export function renderTrackingComment(workOrder: WorkOrder): string {
  const lines = [
    trackingMarker(workOrder.id),
    `### Moose work order \`WO-${shortWorkOrderId(workOrder.id)}\``,
    "",
    `**Status:** \`${workOrder.status}\` · **Risk:** ${workOrder.riskLevel} · **Attempt:** ${workOrder.attempt}`,
  ];
  const hint = STATUS_HINTS[workOrder.status];
  if (hint) lines.push("", hint);
  if (workOrder.prUrl) lines.push("", `**Pull request:** ${workOrder.prUrl}`);
  const progress = progressOf(workOrder);
  if (progress.length > 0) {
    lines.push("", "| When (UTC) | Stage | Detail |", "| --- | --- | --- |");
    for (const entry of progress) {
      lines.push(`| ${entry.at.slice(0, 19).replace("T", " ")} | ${tableCell(entry.stage)} | ${tableCell(entry.text)} |`);
    }
  }
  lines.push("", "<sub>Commands (write access): `/moose approve` · `/moose retry` · `/moose cancel` · `/moose status`</sub>");
  return lines.join("\n");
}

/**
 * Creates the tracking comment if the work order has none, else edits it in place. Callers hold the work order's
 * lease, so two processes never create two comments. A comment deleted by a human is recreated.
 */
export async function syncTrackingComment(
  octokit: ProbotOctokit,
  store: Store,
  repo: RepoRef,
  workOrder: WorkOrder,
): Promise<WorkOrder> {
  const body = renderTrackingComment(workOrder);
  if (workOrder.trackingCommentId !== null) {
    try {
      await octokit.rest.issues.updateComment({ ...repo, comment_id: workOrder.trackingCommentId, body });
      return workOrder;
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw error;
    }
  }
  const { data } = await octokit.rest.issues.createComment({ ...repo, issue_number: workOrder.issueNumber, body });
  return (await store.updateWorkOrder(workOrder.id, { trackingCommentId: data.id })) ?? { ...workOrder, trackingCommentId: data.id };
}
