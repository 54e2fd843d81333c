// `/moose` commands in issue and PR comments: who may give them, and what each does to the work order.
import type { Context } from "probot";
import type { ProbotOctokit } from "probot";
import { ensureProject, issueDigest } from "../director/director.js";
import { cancelWorkOrder } from "../endings/endings.js";
import { deleteBranch } from "../publisher/publish-work-order.js";
import { hasWriteAccess, type RepoRef } from "../github/permissions.js";
import type { MooseServices } from "../orchestrator/services.js";
import { findModel, type ModelCatalog, type Provider } from "../manager/model-catalog.js";
import { nextModel } from "../manager/routing.js";
import type { PipelineConfig } from "../orchestrator/stage-context.js";
import { availableProviders } from "../proposer/providers.js";
import type { WorkOrder, WorkOrderStatus } from "../store/store.js";
import { FRESH_ATTEMPT } from "../orchestrator/stage-context.js";
import { withProgress } from "../tracking/tracking-comment.js";
import { refreshTrackingComment } from "../tracking/tracking-sync.js";
import { parseMooseCommand, type MooseCommand } from "./parse-command.js";

type CommentContext = Context<"issue_comment.created">;

export async function handleCommentCommand(context: CommentContext, services: MooseServices, pipeline: PipelineConfig): Promise<string> {
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
    : ((await services.store.findActiveWorkOrder(project.id, issueNumber)) ?? (await appliedBy(services, project.id, issueNumber, commentId)));
  if (!workOrder) {
    await react(context, commentId, "confused");
    await context.octokit.rest.issues.createComment(
      context.issue({ body: `@${commenter} there is no active Moose work order here to ${parsed.command.name}.` }),
    );
    return `refused: ${parsed.command.name} without a work order`;
  }

  await react(context, commentId, "+1");
  const reply = async (text: string) => {
    await context.octokit.rest.issues.createComment(context.issue({ body: `@${commenter} ${text}` }));
  };
  const outcome = await runCommand(parsed.command, workOrder, commenter, services, pipeline, context.octokit, repo, reply, commentId);
  if (outcome.startsWith("ignored:")) {
    if (workOrder.metadata.last_command_comment_id === commentId) {
      // This very comment already moved the work order and a follow-up step failed: finish those steps, say nothing.
      await services.store.resolveEscalations(workOrder.id, commenter);
      if (parsed.command.name === "cancel" && workOrder.branch) await deleteBranch(context.octokit, repo, workOrder.branch);
      await refreshTrackingComment(services, context.octokit, repo, workOrder.id);
      return "command already applied; follow-up steps finished";
    }
    // A command that does not apply now (retry while running, approve after approval) is answered, not dropped.
    await reply(`\`/moose ${parsed.command.name}\` does nothing while the work order is \`${workOrder.status}\`; see the tracking comment.`);
  }
  await refreshTrackingComment(services, context.octokit, repo, workOrder.id);
  return outcome;
}

/**
 * The issue's latest work order when this very comment already ended it (a `/moose cancel` whose follow-up step
 * failed): the retried event must find it to finish, rather than report that there is no work order.
 */
async function appliedBy(services: MooseServices, projectId: string, issueNumber: number, commentId: number): Promise<WorkOrder | null> {
  const latest = await services.store.findLatestWorkOrder(projectId, issueNumber);
  return latest?.metadata.last_command_comment_id === commentId ? latest : null;
}

/** Statuses from which `/moose retry` starts a new attempt: the last one ended, or a human stopped it. */
const RETRYABLE_STATUSES = ["escalated", "checks_failed", "checks_passed", "pr_open"] as const satisfies readonly WorkOrderStatus[];

async function runCommand(
  command: MooseCommand,
  workOrder: WorkOrder,
  commenter: string,
  services: MooseServices,
  pipeline: PipelineConfig,
  octokit: ProbotOctokit,
  repo: RepoRef,
  reply: (text: string) => Promise<void>,
  commentId: number,
): Promise<string> {
  const { store } = services;
  const applied = { last_command_comment_id: commentId };
  const progress = (text: string) => withProgress(workOrder, "command", text, services.now());
  const resolve = () => store.resolveEscalations(workOrder.id, commenter);
  switch (command.name) {
    case "approve": {
      // Approval also lifts a budget stop: the work order may then spend up to the emergency limit.
      const budgetStop = workOrder.status === "escalated" && (await store.listOpenEscalations(workOrder.id)).some((e) => e.type === "budget");
      if (!budgetStop && workOrder.status === "awaiting_approval" && typeof workOrder.metadata.issue_digest === "string") {
        const { data: issue } = await octokit.rest.issues.get({ ...repo, issue_number: workOrder.issueNumber });
        if (issueDigest(issue.title, issue.body ?? null) !== workOrder.metadata.issue_digest) {
          await reply("the issue was edited after it was labelled, so this approval would cover text Moose has not read. Remove and re-add the label to start over.");
          return "refused: issue edited since labelling";
        }
      }
      const approved = await store.transitionWorkOrder({
        id: workOrder.id,
        from: budgetStop ? ["escalated"] : ["awaiting_approval"],
        to: "approved",
        patch: { metadata: { ...applied, approved_by: commenter, approved_via: "command", ...progress(`approved by @${commenter}`) } },
      });
      if (!approved) return `ignored: approve while ${workOrder.status}`;
      await resolve();
      await store.recordDecision({ workOrderId: workOrder.id, agent: "director", decision: "approved", reason: `approved by @${commenter}`, details: {} });
      return "work order approved";
    }
    case "cancel":
      return cancelWorkOrder(services, octokit, repo, workOrder, `cancelled by @${commenter}`, commenter, undefined, applied);
    case "status":
      return "status refreshed";
    case "retry": {
      const plan = planRetry(command, workOrder, pipeline.catalog, { availableProviders: availableProviders(pipeline.providers), now: services.now() });
      if ("refused" in plan) {
        // The maintainer asked for something specific: say why nothing happened rather than leave a bare 👍.
        await reply(`${plan.refused}; nothing was changed.`);
        return `refused: ${plan.refused}`;
      }
      const retried = await store.transitionWorkOrder({
        id: workOrder.id,
        from: RETRYABLE_STATUSES,
        to: "approved",
        patch: {
          // A new runner attempt only when the last one reached the runner; a failed proposal reuses its number.
          attempt: workOrder.runId !== null ? workOrder.attempt + 1 : workOrder.attempt,
          // The previous attempt's run and auto-fix digest belong to it, not to the new attempt.
          runId: null,
          metadata: {
            ...applied,
            ...plan.metadata,
            ...FRESH_ATTEMPT,
            retried_by: commenter,
            ...progress(`retry requested by @${commenter}: ${plan.describe}`),
          },
        },
      });
      if (!retried) return `ignored: retry while ${workOrder.status}`;
      await resolve();
      await store.recordDecision({ workOrderId: workOrder.id, agent: "manager", decision: "retry", reason: `@${commenter}: ${plan.describe}`, details: plan.metadata });
      return "work order retried";
    }
  }
}

/** What a retry changes: the same model, a model the maintainer named (it must be routable), or the next one up. */
export function planRetry(
  command: Extract<MooseCommand, { name: "retry" }>,
  workOrder: WorkOrder,
  catalog: ModelCatalog,
  availability: { availableProviders?: readonly Provider[]; now?: Date } = {},
): { metadata: Record<string, unknown>; describe: string } | { refused: string } {
  const current = typeof workOrder.metadata.model === "string" ? workOrder.metadata.model : undefined;
  if (command.model) {
    const routable = new Set([...catalog.routing.map((band) => band.model), ...catalog.escalation]);
    if (!routable.has(command.model) || !findModel(catalog, command.model)) {
      return { refused: `model ${command.model} is not in the routing table` };
    }
    return { metadata: { requested_model: command.model }, describe: `with ${command.model}` };
  }
  if (command.escalate) {
    // Only a model whose provider is configured: an unreachable "next model up" would just fail at the Manager.
    const next = current ? nextModel(catalog, current, [], availability) : null;
    if (!next) return { refused: `no stronger model than ${current ?? "the routed one"} is available` };
    return { metadata: { requested_model: next.id }, describe: `escalated to ${next.id}` };
  }
  return { metadata: current ? { requested_model: current } : {}, describe: current ? `same model (${current})` : "same routing" };
}

async function react(context: CommentContext, commentId: number, content: "+1" | "confused"): Promise<void> {
  await context.octokit.rest.reactions.createForIssueComment({ ...context.repo(), comment_id: commentId, content });
}
