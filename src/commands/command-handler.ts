// `/moose` commands in issue and PR comments: who may give them, and what each does to the work order.
import type { Context } from "probot";
import { ensureProject } from "../director/director.js";
import { hasWriteAccess } from "../github/permissions.js";
import type { MooseServices } from "../orchestrator/services.js";
import { NOT_STARTED_STATUSES, type WorkOrder } from "../store/store.js";
import { withProgress } from "../tracking/tracking-comment.js";
import { refreshTrackingComment } from "../tracking/tracking-sync.js";
import { parseMooseCommand, type MooseCommand } from "./parse-command.js";

type CommentContext = Context<"issue_comment.created">;

export async function handleCommentCommand(context: CommentContext, services: MooseServices): Promise<string> {
  // Moose's own comments (and every other bot's) never trigger anything: no loops.
  if (context.isBot || context.payload.comment.user?.type === "Bot") return "ignored: bot comment";
  const parsed = parseMooseCommand(context.payload.comment.body);
  if (!parsed) return "ignored: no command";

  const repo = context.repo();
  const commenter = context.payload.comment.user?.login ?? context.payload.sender.login;
  if (!(await hasWriteAccess(context.octokit, repo, commenter))) return "ignored: commenter lacks write access";

  const commentId = context.payload.comment.id;
  if (!parsed.ok) {
    await react(context, commentId, "confused");
    await context.octokit.rest.issues.createComment(context.issue({ body: `@${commenter} ${parsed.error}` }));
    return "refused: malformed command";
  }

  const project = await ensureProject(services, context);
  const issueNumber = context.payload.issue.number;
  const workOrder = context.payload.issue.pull_request
    ? await services.store.findWorkOrderByPr(project.id, issueNumber)
    : await services.store.findActiveWorkOrder(project.id, issueNumber);
  if (!workOrder) {
    await react(context, commentId, "confused");
    await context.octokit.rest.issues.createComment(
      context.issue({ body: `@${commenter} there is no active Moose work order here to ${parsed.command.name}.` }),
    );
    return `refused: ${parsed.command.name} without a work order`;
  }

  await react(context, commentId, "+1");
  const outcome = await runCommand(parsed.command, workOrder, commenter, services);
  await refreshTrackingComment(services, context.octokit, repo, workOrder.id);
  return outcome;
}

async function runCommand(command: MooseCommand, workOrder: WorkOrder, commenter: string, services: MooseServices): Promise<string> {
  const { store } = services;
  switch (command.name) {
    case "approve": {
      const approved = await store.transitionWorkOrder({
        id: workOrder.id,
        from: ["awaiting_approval"],
        to: "approved",
        patch: {
          metadata: { approved_by: commenter, ...withProgress(workOrder, "director", `approved by @${commenter}`, services.now()) },
        },
      });
      if (!approved) return `ignored: approve while ${workOrder.status}`;
      await store.recordDecision({ workOrderId: workOrder.id, agent: "director", decision: "approved", reason: `approved by @${commenter}`, details: {} });
      return "work order approved";
    }
    case "cancel": {
      const cancelled = await store.transitionWorkOrder({
        id: workOrder.id,
        from: NOT_STARTED_STATUSES,
        to: "cancelled",
        patch: { metadata: withProgress(workOrder, "director", `cancelled by @${commenter}`, services.now()) },
      });
      if (!cancelled) return `ignored: cancel while ${workOrder.status}`;
      await store.recordDecision({ workOrderId: workOrder.id, agent: "director", decision: "cancelled", reason: `cancelled by @${commenter}`, details: {} });
      return "work order cancelled";
    }
    case "status":
      return "status refreshed";
    case "retry":
      return `ignored: retry while ${workOrder.status}`;
  }
}

async function react(context: CommentContext, commentId: number, content: "+1" | "confused"): Promise<void> {
  await context.octokit.rest.reactions.createForIssueComment({ ...context.repo(), comment_id: commentId, content });
}
