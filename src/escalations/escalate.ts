// The Client Manager's first version: every failure becomes an escalation row and one comment offering commands.
import type { ProbotOctokit } from "probot";
import type { RepoRef } from "../github/permissions.js";
import type { MooseServices } from "../orchestrator/services.js";
import { UNFINISHED_STATUSES, type EscalationSeverity, type WorkOrder } from "../store/store.js";
import { shortWorkOrderId, withProgress } from "../tracking/tracking-comment.js";
import { refreshTrackingComment } from "../tracking/tracking-sync.js";

export interface ResolutionOption {
  /** A `/moose …` command a user with write access can comment. */
  command: string;
  effect: string;
}

export interface EscalationRequest {
  type: string;
  severity: EscalationSeverity;
  message: string;
  options: readonly ResolutionOption[];
}

export const RETRY_OPTIONS: readonly ResolutionOption[] = [
  { command: "/moose retry", effect: "try again with the same model" },
  { command: "/moose retry --escalate", effect: "try again with the next stronger model" },
  { command: "/moose cancel", effect: "stop this work order" },
];


export function renderEscalationComment(workOrder: WorkOrder, request: EscalationRequest): string {
  return [
    `**Moose needs a human** for work order \`WO-${shortWorkOrderId(workOrder.id)}\` (${request.type}, ${request.severity} severity).`,
    "",
    request.message,
    "",
    "Reply with one of these (write access needed):",
    ...request.options.map((option) => `- \`${option.command}\`: ${option.effect}`),
  ].join("\n");
}

/**
 * Records the escalation, moves the work order to `escalated`, and tells the issue what happened and which commands
 * resolve it. Returns the escalated work order (or the unchanged one if it had already ended).
 */
export async function escalateWorkOrder(
  services: MooseServices,
  octokit: ProbotOctokit,
  repo: RepoRef,
  workOrder: WorkOrder,
  request: EscalationRequest,
): Promise<WorkOrder> {
  const { store } = services;
  // The work order moves first: one that ended meanwhile (cancelled, merged) gets no escalation and no comment.
  const escalated = await store.transitionWorkOrder({
    id: workOrder.id,
    from: UNFINISHED_STATUSES,
    to: "escalated",
    patch: {
      metadata: {
        escalated_from: workOrder.status,
        ...withProgress(workOrder, "escalation", `${request.type}: ${firstLine(request.message)}`, services.now()),
      },
    },
  });
  if (!escalated) return workOrder;
  await store.createEscalation({
    workOrderId: workOrder.id,
    type: request.type,
    severity: request.severity,
    message: request.message,
    resolutionOptions: request.options.map((option) => option.command),
  });
  await store.recordDecision({
    workOrderId: workOrder.id,
    agent: "orchestrator",
    decision: "escalated",
    reason: request.message,
    details: { type: request.type, severity: request.severity, from: workOrder.status },
  });
  await octokit.rest.issues.createComment({ ...repo, issue_number: workOrder.issueNumber, body: renderEscalationComment(workOrder, request) });
  await refreshTrackingComment(services, octokit, repo, workOrder.id);
  return escalated;
}

/** The tracking table keeps one line per event; the full message is in the escalation comment. */
function firstLine(text: string): string {
  return (text.split("\n")[0] ?? "").slice(0, 300);
}
