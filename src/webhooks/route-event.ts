// Maps a recorded webhook delivery to the agent that handles it, inside a Probot context rebuilt from the record.
import { Context } from "probot";
import { handleCommentCommand } from "../commands/command-handler.js";
import { cancelForIssue, directLabeledIssue } from "../director/director.js";
import { eventName } from "../orchestrator/event-queue.js";
import type { MooseServices } from "../orchestrator/services.js";
import type { PipelineConfig } from "../orchestrator/stage-context.js";
import type { GithubEvent } from "../store/store.js";

/** The deliveries Moose records; everything else is never stored. */
export const RECORDED_EVENTS = ["issues.labeled", "issues.unlabeled", "issues.closed", "issue_comment.created"] as const;

/** Events a human must have caused: a bot sender (Moose itself included) is ignored before any API call. */
const HUMAN_EVENTS = new Set(["issues", "issue_comment"]);

export async function routeEvent(event: GithubEvent, services: MooseServices, pipeline: PipelineConfig): Promise<string> {
  if (event.installationId === null) return "ignored: no installation";
  const sender = (event.payload as { sender?: { type?: string } }).sender;
  if (HUMAN_EVENTS.has(event.name) && sender?.type === "Bot") return "ignored: bot sender";
  const octokit = await services.octokitFor(event.installationId);
  const log = services.log.child({ delivery: event.deliveryId });
  // The payload was verified by the webhook signature when it was recorded; the context only re-wraps it.
  const context = new Context({ id: event.deliveryId, name: event.name, payload: event.payload } as never, octokit, log);

  switch (eventName(event)) {
    case "issues.labeled":
      return directLabeledIssue(context as Context<"issues.labeled">, services);
    case "issues.unlabeled":
      return cancelForIssue(context as Context<"issues.unlabeled">, services, "the trigger label was removed");
    case "issues.closed":
      return cancelForIssue(context as Context<"issues.closed">, services, "the issue was closed");
    case "issue_comment.created":
      return handleCommentCommand(context as Context<"issue_comment.created">, services, pipeline);
    default:
      return "ignored: unhandled event";
  }
}
