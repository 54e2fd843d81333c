// Starting the runner: `workflow_dispatch` on the default branch, never blindly repeated after an ambiguous failure.
import { readFileSync } from "node:fs";
import type { ProbotOctokit } from "probot";
import { RETRY_OPTIONS, escalateWorkOrder } from "../escalations/escalate.js";
import type { RepoRef } from "../github/permissions.js";
import {
  MAX_DISPATCH_INPUT_CHARS,
  encodeInstruction,
  runDisplayTitle,
  workOrderBranchName,
  type RunnerInputs,
  type RunnerInputValues,
} from "../runner/runner-contract.js";
import type { WorkOrder } from "../store/store.js";
import { withProgress } from "../tracking/tracking-comment.js";
import { refreshTrackingComment } from "../tracking/tracking-sync.js";
import type { StageContext, StageOutcome } from "./stage-context.js";

/** Pinned so the reply shape cannot change under us; this version returns the run id when asked. */
export const GITHUB_API_VERSION = "2022-11-28";

export class MissingWorkflowError extends Error {
  constructor(readonly workflowFile: string, detail: string) {
    super(`the runner workflow .github/workflows/${workflowFile} is missing or cannot be dispatched (${detail})`);
    this.name = "MissingWorkflowError";
  }
}

export class DispatchInputsTooLargeError extends Error {
  constructor(readonly chars: number) {
    super(
      `the dispatch inputs are ${chars} characters even with the instruction compressed; GitHub accepts at most ` +
        `${MAX_DISPATCH_INPUT_CHARS}. Narrow the work order (fewer files in scope or a shorter description).`,
    );
    this.name = "DispatchInputsTooLargeError";
  }
}

/** A dispatch whose outcome is unknown (timeout, 5xx): look the run up before dispatching again. */
export class AmbiguousDispatchError extends Error {
  constructor(cause: unknown) {
    super(`dispatch outcome unknown: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = "AmbiguousDispatchError";
  }
}

function inputsSize(inputs: RunnerInputs): number {
  return Object.values(inputs).reduce((sum, value) => sum + value.length, 0);
}

/**
 * The dispatch inputs: ids, branch, attempt, model, scope and the instruction, never a secret. The instruction is
 * sent as-is when everything fits GitHub's limit, compressed when only that fits, and refused otherwise.
 */
export function buildRunnerInputs(values: RunnerInputValues): RunnerInputs {
  const plain: RunnerInputs = {
    "work-order-id": values.workOrderId,
    attempt: String(values.attempt),
    branch: values.branch,
    "base-branch": values.baseBranch,
    title: values.title,
    model: values.model,
    files: values.files.join("\n"),
    instruction: values.instruction,
    "timeout-minutes": String(values.timeoutMinutes),
  };
  if (inputsSize(plain) <= MAX_DISPATCH_INPUT_CHARS) return plain;
  const compressed = { ...plain, instruction: encodeInstruction(values.instruction) };
  const size = inputsSize(compressed);
  if (size > MAX_DISPATCH_INPUT_CHARS) throw new DispatchInputsTooLargeError(size);
  return compressed;
}

export interface DispatchRequest {
  workflowFile: string;
  /** The default branch: the run uses the workflow file as it is there, never a Moose-written version. */
  ref: string;
  inputs: RunnerInputs;
}

export interface DispatchedRun {
  runId: number;
  runUrl: string | null;
}

export async function dispatchRunnerWorkflow(octokit: ProbotOctokit, repo: RepoRef, request: DispatchRequest): Promise<DispatchedRun | null> {
  let response;
  try {
    response = await octokit.request("POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches", {
      ...repo,
      workflow_id: request.workflowFile,
      ref: request.ref,
      inputs: request.inputs,
      return_run_details: true,
      headers: { "x-github-api-version": GITHUB_API_VERSION },
      // A replayed POST could start a second run; ambiguity is resolved by looking the run up instead.
      request: { retries: 0 },
    } as never);
  } catch (error) {
    const status = (error as { status?: number }).status;
    const message = (error as Error).message ?? "";
    if (status === 404) throw new MissingWorkflowError(request.workflowFile, "not found on the default branch");
    if (status === 422 && /workflow_dispatch/i.test(message)) {
      throw new MissingWorkflowError(request.workflowFile, "it has no workflow_dispatch trigger");
    }
    if (status === 422 && /unexpected inputs/i.test(message)) {
      throw new MissingWorkflowError(request.workflowFile, `its inputs are out of date: ${message.slice(0, 200)}`);
    }
    if (status !== undefined && status < 500 && status !== 408 && status !== 429) throw error;
    throw new AmbiguousDispatchError(error);
  }
  const data = (response.data ?? {}) as { workflow_run_id?: number; html_url?: string };
  if (typeof data.workflow_run_id === "number") return { runId: data.workflow_run_id, runUrl: data.html_url ?? null };
  return null; // 204 from a server that does not return run details: the caller finds the run by its title.
}

/** Finds this attempt's run by the `run-name` the workflow template gives it. */
export async function findDispatchedRun(
  octokit: ProbotOctokit,
  repo: RepoRef,
  workflowFile: string,
  workOrderId: string,
  attempt: number,
  since: Date,
): Promise<DispatchedRun | null> {
  const title = runDisplayTitle(workOrderId, attempt);
  const { data } = await octokit.rest.actions.listWorkflowRuns({
    ...repo,
    workflow_id: workflowFile,
    event: "workflow_dispatch",
    created: `>=${new Date(since.getTime() - 60_000).toISOString()}`,
    per_page: 100,
  });
  const run = data.workflow_runs.find((candidate) => candidate.display_title === title);
  return run ? { runId: run.id, runUrl: run.html_url } : null;
}

/** After this long without the run showing up, an earlier dispatch is taken as never having happened. */
const RUN_LOOKUP_GRACE_MS = 5 * 60_000;

const RUNNER_WORKFLOW_TEMPLATE = new URL("../../action/templates/workflows/moose.yml", import.meta.url);

function missingWorkflowMessage(error: MissingWorkflowError): string {
  let template = "";
  try {
    template = readFileSync(RUNNER_WORKFLOW_TEMPLATE, "utf8");
  } catch {
    // The template ships with Moose; without it the message still names the file and the README section.
  }
  return [
    `Moose could not start the runner: ${error.message}.`,
    "",
    `Add \`.github/workflows/${error.workflowFile}\` to the default branch (the README's "Install the runner workflow" section explains the runner it needs).`,
    ...(template ? ["", "<details><summary>The file to add</summary>", "", "```yaml", template.trimEnd(), "```", "", "</details>"] : []),
  ].join("\n");
}

/** The dispatch stage: start this attempt's run once, and record its id so the run can be followed. */
export async function dispatchWorkOrder(stage: StageContext, workOrder: WorkOrder): Promise<StageOutcome> {
  const { services, pipeline, octokit, repo, project, config } = stage;
  const { store } = services;
  const workflowFile = config.workflow;
  const branch = workOrder.branch ?? workOrderBranchName(workOrder.id, workOrder.title);

  const started = async (run: DispatchedRun): Promise<StageOutcome> => {
    const running = await store.transitionWorkOrder({
      id: workOrder.id,
      from: ["dispatching"],
      to: "running",
      leaseOwner: services.workerId,
      patch: {
        runId: run.runId,
        branch,
        metadata: {
          run_url: run.runUrl,
          ...withProgress(workOrder, "orchestrator", `runner started (attempt ${workOrder.attempt}): ${run.runUrl ?? `run ${run.runId}`}`, services.now()),
        },
      },
    });
    if (!running) return { kind: "stopped", reason: "lease lost" };
    await store.recordDecision({
      workOrderId: workOrder.id,
      agent: "orchestrator",
      decision: "dispatched",
      reason: `workflow ${workflowFile} run ${run.runId}`,
      details: { run_id: run.runId, attempt: workOrder.attempt, branch },
    });
    await refreshTrackingComment(services, octokit, repo, workOrder.id);
    return { kind: "stopped", reason: "running on the runner" };
  };

  // An earlier try of this attempt may have started a run whose reply was lost: find it before dispatching again.
  const previous = workOrder.metadata.dispatch;
  if (isDispatchMark(previous) && previous.attempt === workOrder.attempt) {
    const since = new Date(previous.at);
    const found = await findDispatchedRun(octokit, repo, workflowFile, workOrder.id, workOrder.attempt, since);
    if (found) return started(found);
    if (services.now().getTime() - since.getTime() < RUN_LOOKUP_GRACE_MS) return { kind: "snooze", reason: "dispatched run not visible yet" };
  }

  let inputs;
  try {
    inputs = buildRunnerInputs({
      workOrderId: workOrder.id,
      attempt: workOrder.attempt,
      branch,
      baseBranch: project.defaultBranch,
      title: workOrder.title,
      model: String(workOrder.metadata.aider_model ?? workOrder.metadata.model ?? ""),
      files: workOrder.filesInScope,
      instruction: String(workOrder.metadata.instruction ?? ""),
      timeoutMinutes: pipeline.runnerTimeoutMinutes,
    });
  } catch (error) {
    if (!(error instanceof DispatchInputsTooLargeError)) throw error;
    await escalateWorkOrder(services, octokit, repo, workOrder, {
      type: "dispatch",
      severity: "medium",
      message: `The runner cannot be started: ${error.message}`,
      options: [{ command: "/moose retry", effect: "propose again (after narrowing the issue)" }, RETRY_OPTIONS[2]!],
    });
    return { kind: "stopped", reason: "instruction too large" };
  }

  const mark: DispatchMark = { attempt: workOrder.attempt, at: services.now().toISOString() };
  await store.updateWorkOrder(workOrder.id, { metadata: { dispatch: mark } });
  try {
    const run =
      (await dispatchRunnerWorkflow(octokit, repo, { workflowFile, ref: project.defaultBranch, inputs })) ??
      (await findDispatchedRun(octokit, repo, workflowFile, workOrder.id, workOrder.attempt, new Date(mark.at)));
    return run ? started(run) : { kind: "snooze", reason: "dispatched run not visible yet" };
  } catch (error) {
    if (error instanceof AmbiguousDispatchError) return { kind: "snooze", reason: error.message };
    if (!(error instanceof MissingWorkflowError)) throw error;
    // Nothing was started, so a later retry may dispatch without looking for this attempt's run first.
    await store.updateWorkOrder(workOrder.id, { metadata: { dispatch: null } });
    await escalateWorkOrder(services, octokit, repo, workOrder, {
      type: "missing_workflow",
      severity: "high",
      message: missingWorkflowMessage(error),
      options: [{ command: "/moose retry", effect: "dispatch again once the workflow is on the default branch" }, RETRY_OPTIONS[2]!],
    });
    return { kind: "stopped", reason: "missing workflow" };
  }
}

interface DispatchMark {
  attempt: number;
  at: string;
}

function isDispatchMark(value: unknown): value is DispatchMark {
  return typeof value === "object" && value !== null && typeof (value as DispatchMark).attempt === "number" && typeof (value as DispatchMark).at === "string";
}
