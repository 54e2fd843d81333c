// The dispatch stage: GitHub's limits on inputs, the pinned API version and default branch, no blind retries, the
// run looked up after an ambiguous failure, and escalations for a missing workflow or an oversized instruction.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { ProbotOctokit } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import {
  AmbiguousDispatchError,
  DispatchInputsTooLargeError,
  GITHUB_API_VERSION,
  MissingWorkflowError,
  buildRunnerInputs,
  dispatchRunnerWorkflow,
} from "../../src/orchestrator/dispatch.js";
import type { RunnerInputValues } from "../../src/runner/runner-contract.js";
import type { MooseRuntime } from "../../src/orchestrator/runtime.js";
import { GZ64_PREFIX, MAX_DISPATCH_INPUT_CHARS, runDisplayTitle } from "../../src/runner/runner-contract.js";
import type { Store } from "../../src/store/store.js";
import { fakeGithub, type FakeGithubOptions } from "../helpers/github-mocks.js";
import { fakeAnthropic, type FakeAnthropicOptions } from "../helpers/llm-mocks.js";
import { clonedPgliteStore } from "../helpers/pglite-template.js";
import { seedProject, seedWorkOrder, sleep, startTestRuntime } from "../helpers/pipeline-harness.js";

const VALUES: RunnerInputValues = {
  workOrderId: "8d3f0c1e-0000-4000-8000-000000000001",
  attempt: 1,
  branch: "feature/wo-8d3f0c1e-task",
  baseBranch: "main",
  title: "Task",
  model: "anthropic/claude-haiku-5-5",
  files: ["src/a.ts", "src/b.ts"],
  instruction: "Change a and b.",
  timeoutMinutes: 5,
};

/** Text gzip cannot shrink: random bytes, base64-encoded. */
const incompressible = (chars: number) => randomBytes(chars).toString("base64").slice(0, chars);
const totalChars = (inputs: Record<string, string>) => Object.values(inputs).reduce((sum, value) => sum + value.length, 0);

describe("buildRunnerInputs", () => {
  it("sends a small instruction as-is, with every runner input as a string", () => {
    expect(buildRunnerInputs(VALUES)).toEqual({
      "work-order-id": VALUES.workOrderId,
      attempt: "1",
      branch: VALUES.branch,
      "base-branch": "main",
      title: "Task",
      model: VALUES.model,
      files: "src/a.ts\nsrc/b.ts",
      instruction: "Change a and b.",
      "timeout-minutes": "5",
    });
  });

  it("compresses an instruction that only fits compressed, and the runner can decode it", () => {
    const instruction = "Rename every widget to gadget.\n".repeat(3_000);
    const inputs = buildRunnerInputs({ ...VALUES, instruction });
    expect(inputs.instruction.startsWith(GZ64_PREFIX)).toBe(true);
    expect(totalChars(inputs)).toBeLessThanOrEqual(MAX_DISPATCH_INPUT_CHARS);
    expect(gunzipSync(Buffer.from(inputs.instruction.slice(GZ64_PREFIX.length), "base64")).toString("utf8")).toBe(instruction);
  });

  it("refuses an instruction that is too large even compressed, saying the size and the limit", () => {
    let error: unknown;
    try {
      buildRunnerInputs({ ...VALUES, instruction: incompressible(70_000) });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DispatchInputsTooLargeError);
    expect((error as DispatchInputsTooLargeError).chars).toBeGreaterThan(MAX_DISPATCH_INPUT_CHARS);
    expect((error as Error).message).toMatch(/^the dispatch inputs are \d+ characters even with the instruction compressed; GitHub accepts at most 65535\./);
  });
});

describe("dispatchRunnerWorkflow", () => {
  // Probot's own Octokit with its retry plugin on: the dispatch itself must opt out of replays.
  const RetryingOctokit = ProbotOctokit.defaults((options: Record<string, any>) => ({ ...options, throttle: { ...options.throttle, enabled: false } }));
  const repo = { owner: "octo-org", repo: "widgets" };
  const request = { workflowFile: "moose.yml", ref: "main", inputs: buildRunnerInputs(VALUES) };

  it("dispatches on the given ref with run details asked for and the API version pinned, and returns the run", async () => {
    const github = fakeGithub({ onDispatch: () => ({ runId: 4242 }) });
    const run = await dispatchRunnerWorkflow(new RetryingOctokit() as never, repo, request);
    expect(run).toEqual({ runId: 4242, runUrl: "https://github.com/octo-org/widgets/actions/runs/4242" });
    expect(github.dispatches).toEqual([
      { workflowFile: "moose.yml", ref: "main", returnRunDetails: true, apiVersion: GITHUB_API_VERSION, inputs: request.inputs },
    ]);
  });

  it("does not replay the POST on a 5xx: the outcome is ambiguous", async () => {
    const github = fakeGithub({ onDispatch: () => ({ status: 502, message: "Bad Gateway" }) });
    await expect(dispatchRunnerWorkflow(new RetryingOctokit() as never, repo, request)).rejects.toBeInstanceOf(AmbiguousDispatchError);
    expect(github.dispatches).toHaveLength(1);
  });

  it("reads a 404 as a missing workflow file", async () => {
    const github = fakeGithub({ onDispatch: () => ({ status: 404 }) });
    await expect(dispatchRunnerWorkflow(new RetryingOctokit() as never, repo, request)).rejects.toBeInstanceOf(MissingWorkflowError);
    // One attempt, not retried, and no other route was tried.
    expect(github.dispatches).toHaveLength(1);
    expect(github.unexpected).toEqual([]);
  });
});

describe("the dispatch stage through the worker", () => {
  let runtime: MooseRuntime | undefined;
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
  });

  async function pipelineWith(github: FakeGithubOptions, llm: FakeAnthropicOptions = {}) {
    const store: Store = await clonedPgliteStore();
    const fake = fakeGithub(github);
    fakeAnthropic(llm);
    runtime = startTestRuntime(store);
    const workOrder = await seedWorkOrder(store, await seedProject(store), 7);
    return { store, github: fake, workOrder, runtime };
  }

  it("after an ambiguous failure, finds the run by its display title instead of dispatching again", async () => {
    const { store, github, workOrder, runtime } = await pipelineWith({ onDispatch: () => ({ status: 502 }) });

    await runtime.worker.drain();
    const waiting = await store.getWorkOrder(workOrder.id);
    expect(waiting).toMatchObject({ status: "dispatching", metadata: { dispatch: { attempt: 1 } } });

    // GitHub did start the run; only its reply was lost.
    github.runs.set(777, { id: 777, status: "queued", conclusion: null, display_title: runDisplayTitle(workOrder.id, 1), html_url: "https://github.com/octo-org/widgets/actions/runs/777" });
    await sleep(40); // the snooze holds the lease for recheckMs (20 ms)
    await runtime.worker.drain();

    expect(await store.getWorkOrder(workOrder.id)).toMatchObject({ status: "running", runId: 777 });
    expect(github.dispatches).toHaveLength(1);
    expect(github.requestLines().filter((r) => r.endsWith("/actions/workflows/moose.yml/runs"))).toHaveLength(1);
  });

  it("escalates a missing workflow with setup instructions and the template to add", async () => {
    const { store, github, workOrder, runtime } = await pipelineWith({ onDispatch: () => ({ status: 404 }) });

    await runtime.worker.drain();

    expect(await store.getWorkOrder(workOrder.id)).toMatchObject({ status: "escalated", metadata: { dispatch: null } });
    expect(await store.listOpenEscalations(workOrder.id)).toMatchObject([{ type: "missing_workflow", severity: "high" }]);
    const comment = github.comments.find((c) => c.body.includes("Moose needs a human"));
    expect(comment?.issueNumber).toBe(7);
    expect(comment?.body).toContain("Add `.github/workflows/moose.yml` to the default branch");
    const template = readFileSync(new URL("../../action/templates/workflows/moose.yml", import.meta.url), "utf8");
    expect(comment?.body).toContain(template.trimEnd());
    expect(github.dispatches).toHaveLength(1);
    expect(github.unexpected).toEqual([]);
  });

  it("escalates an instruction too large even compressed with the size and the limit, and dispatches nothing", async () => {
    const { store, github, workOrder, runtime } = await pipelineWith({}, { text: incompressible(80_000) });

    await runtime.worker.drain();

    expect(await store.getWorkOrder(workOrder.id)).toMatchObject({ status: "escalated" });
    const [escalation] = await store.listOpenEscalations(workOrder.id);
    expect(escalation?.type).toBe("dispatch");
    expect(escalation?.message).toMatch(/^The runner cannot be started: the dispatch inputs are \d+ characters even with the instruction compressed; GitHub accepts at most 65535\./);
    expect(Number(/are (\d+) characters/.exec(escalation!.message)![1])).toBeGreaterThan(MAX_DISPATCH_INPUT_CHARS);
    expect(github.dispatches).toEqual([]);
  });
});
