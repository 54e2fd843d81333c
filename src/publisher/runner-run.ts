// Correlates a finished runner run with its work order (by run id, falling back to the run name) and queues publishing.
import type { ProbotOctokit } from "probot";
import type { RepoRef } from "../github/permissions.js";
import type { MooseServices } from "../orchestrator/services.js";
import { workRefFor } from "../runner/runner-contract.js";
import type { Project } from "../store/store.js";
import { withProgress } from "../tracking/tracking-comment.js";
import { refreshTrackingComment } from "../tracking/tracking-sync.js";
import { deleteBranch } from "./publish-work-order.js";

/** `run-name` of the runner workflow, as `runDisplayTitle` writes it. */
const RUN_TITLE = /^Moose WO ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) attempt ([1-9][0-9]{0,3})$/;

/** In-flight work orders are bounded by MOOSE_MAX_CONCURRENCY (at most 100), so one look covers them all. */
const IN_FLIGHT_SCAN = 200;

export function parseRunTitle(displayTitle: string | null | undefined): { workOrderId: string; attempt: number } | null {
  const match = RUN_TITLE.exec(displayTitle ?? "");
  return match ? { workOrderId: match[1]!, attempt: Number(match[2]) } : null;
}

export interface FinishedRun {
  id: number;
  display_title?: string | null;
  event?: string | null;
  head_branch?: string | null;
  conclusion: string | null;
  html_url: string;
}

/**
 * Returns null when the run is not a Moose runner run (so the caller can treat it as a CI hint), else what was done.
 * A run is Moose's when an in-flight work order of this repository holds its id, or when its name says so.
 * The run name is checked against the project too: another repository's run cannot move this one's work order.
 */
export async function acceptRunnerRun(
  services: MooseServices,
  octokit: ProbotOctokit,
  repo: RepoRef,
  project: Project,
  run: FinishedRun,
): Promise<string | null> {
  // By run id first (the dispatch reply gave it); by the run name when that reply was lost.
  const inFlight = await services.store.listWorkOrdersInStatus(["dispatching", "running"], IN_FLIGHT_SCAN);
  const byId = inFlight.find((wo) => wo.projectId === project.id && wo.runId === run.id);
  const titled = parseRunTitle(run.display_title);
  // Anyone's workflow can pick a run-name; only a dispatched run of the default branch's workflow may claim one.
  const trustedTitle = titled && run.event === "workflow_dispatch" && run.head_branch === project.defaultBranch ? titled : null;
  const named = byId ? { workOrderId: byId.id, attempt: titled?.workOrderId === byId.id ? titled.attempt : byId.attempt } : trustedTitle;
  if (!named) return titled ? "ignored: a run named like Moose's that Moose did not dispatch" : null;
  const workOrder = byId ?? (await services.store.getWorkOrder(named.workOrderId));
  if (!workOrder || workOrder.projectId !== project.id) return "ignored: run names no work order of this repository";
  if (workOrder.status === "cancelled" || workOrder.status === "completed") {
    // The runner may still have pushed its result branch: nothing will publish it now.
    await deleteBranch(octokit, repo, workRefFor(workOrder.id, named.attempt).replace(/^refs\/heads\//, ""));
    return `ignored: work order already ${workOrder.status}`;
  }
  const sameAttempt = workOrder.attempt === named.attempt;
  const correlated = sameAttempt && (workOrder.runId === run.id || (workOrder.runId === null && workOrder.status === "dispatching"));
  if (!correlated || (workOrder.status !== "running" && workOrder.status !== "dispatching")) return "ignored: not the current attempt's run";

  const publishing = await services.store.transitionWorkOrder({
    id: workOrder.id,
    from: ["running", "dispatching"],
    to: "publishing",
    patch: {
      runId: run.id,
      metadata: {
        run_conclusion: run.conclusion,
        run_url: run.html_url,
        ...withProgress(workOrder, "runner", `attempt ${workOrder.attempt} finished: ${run.conclusion ?? "unknown"} (${run.html_url})`, services.now()),
      },
    },
  });
  if (!publishing) return "ignored: work order moved on";
  await refreshTrackingComment(services, octokit, repo, workOrder.id);
  return `runner run ${run.conclusion ?? "finished"}: publishing`;
}
