// Maps a recorded webhook delivery to the agent that handles it, inside a Probot context rebuilt from the record.
import { Context } from "probot";
import { handleCommentCommand } from "../commands/command-handler.js";
import { cancelForUnlabel, directLabeledIssue, endForClosedIssue, ensureProject } from "../director/director.js";
import { settlePullRequestState } from "../endings/endings.js";
import { eventName } from "../orchestrator/event-queue.js";
import type { MooseServices } from "../orchestrator/services.js";
import type { PipelineConfig } from "../orchestrator/stage-context.js";
import { acceptRunnerRun } from "../publisher/runner-run.js";
import { handleCheckHint, type CheckHint } from "../sentinel/check-events.js";
import { SENTINEL_RECHECK_EVENT } from "../sentinel/sentinel.js";
import type { GithubEvent } from "../store/store.js";

/** The deliveries Moose records; everything else is never stored. */
export const RECORDED_EVENTS = [
  "issues.labeled",
  "issues.unlabeled",
  "issues.closed",
  "issue_comment.created",
  "pull_request.closed",
  "workflow_run.completed",
  "check_run.completed",
  "check_suite.completed",
  "status",
] as const;

/** Events a human must have caused: a bot sender (Moose itself included) is ignored before any API call. */
const HUMAN_EVENTS = new Set(["issues", "issue_comment"]);

type PrRef = { number: number };

/** Which head a check-ish event is about, from whatever the payload carries. */
function checkHint(name: string, payload: any): CheckHint | null {
  const prs = (list: PrRef[] | undefined) => (list ?? []).map((pr) => pr.number);
  switch (name) {
    case "check_run":
      return { sha: payload.check_run.head_sha, prNumbers: prs(payload.check_run.pull_requests), branches: [payload.check_run.check_suite?.head_branch].filter(Boolean) };
    case "check_suite":
      return { sha: payload.check_suite.head_sha, prNumbers: prs(payload.check_suite.pull_requests), branches: [payload.check_suite.head_branch].filter(Boolean) };
    case "status":
      return { sha: payload.sha, prNumbers: [], branches: (payload.branches ?? []).map((b: { name: string }) => b.name) };
    case "workflow_run":
      return { sha: payload.workflow_run.head_sha, prNumbers: prs(payload.workflow_run.pull_requests), branches: [payload.workflow_run.head_branch].filter(Boolean) };
    default:
      return null;
  }
}

export async function routeEvent(event: GithubEvent, services: MooseServices, pipeline: PipelineConfig): Promise<string> {
  if (event.installationId === null) return "ignored: no installation";
  const payload = event.payload as any;
  // Closing an issue ends its work order whoever closes it (a stale-bot too); Moose itself never closes issues.
  const botMayCause = eventName(event) === "issues.closed";
  if (HUMAN_EVENTS.has(event.name) && !botMayCause && payload.sender?.type === "Bot") return "ignored: bot sender";
  const octokit = await services.octokitFor(event.installationId);
  const log = services.log.child({ delivery: event.deliveryId });
  // The payload was verified by the webhook signature when it was recorded; the context only re-wraps it.
  const context = new Context({ id: event.deliveryId, name: event.name, payload } as never, octokit, log);

  switch (eventName(event)) {
    case "issues.labeled":
      return directLabeledIssue(context as Context<"issues.labeled">, services);
    case "issues.unlabeled":
      return cancelForUnlabel(context as Context<"issues.unlabeled">, services);
    case "issues.closed":
      return endForClosedIssue(context as Context<"issues.closed">, services);
    case "issue_comment.created":
      return handleCommentCommand(context as Context<"issue_comment.created">, services, pipeline);
    case "pull_request.closed": {
      const project = await ensureProject(services, context as Context<"pull_request.closed">);
      const workOrder = await services.store.findWorkOrderByPr(project.id, payload.pull_request.number);
      if (!workOrder) return "ignored: not a Moose pull request";
      // A late delivery must not close a PR that was reopened since: act on the PR as it is now.
      const { data: pull } = await octokit.rest.pulls.get({ ...context.repo(), pull_number: workOrder.prNumber ?? payload.pull_request.number });
      return (await settlePullRequestState(services, octokit, context.repo(), workOrder, pull, payload.sender.login)) ?? "ignored: pull request open again";
    }
    case "workflow_run.completed": {
      const project = await ensureProject(services, context as Context<"workflow_run.completed">);
      const handled = await acceptRunnerRun(services, octokit, context.repo(), project, payload.workflow_run);
      if (handled !== null) return handled;
      return handleCheckHint(services, pipeline, project, checkHint(event.name, payload)!);
    }
    case "check_run.completed":
    case "check_suite.completed":
    case "status": {
      const project = await ensureProject(services, context as Context<"status">);
      return handleCheckHint(services, pipeline, project, checkHint(event.name, payload)!);
    }
    case `${SENTINEL_RECHECK_EVENT}.settle`:
    case `${SENTINEL_RECHECK_EVENT}.timeout`: {
      const workOrder = await services.store.getWorkOrder(String(payload.work_order_id));
      const project = workOrder && (await services.store.getProject(workOrder.projectId));
      if (!workOrder || !project || workOrder.prNumber === null) return "ignored: work order gone";
      return handleCheckHint(services, pipeline, project, { sha: String(payload.head_sha), prNumbers: [workOrder.prNumber], branches: [] });
    }
    default:
      return "ignored: unhandled event";
  }
}
