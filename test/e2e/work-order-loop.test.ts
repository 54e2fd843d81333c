// Issue 5's acceptance test: one work order through the whole loop — label, proposal, the runner action run for real
// against a bare repository, PR, failing checks, `/moose retry`, a second attempt on the same PR, passing checks, merge.
import { afterEach, describe, expect, it } from "vitest";
import { runDisplayTitle, workRefFor } from "../../src/runner/runner-contract.js";
import type { Store, WorkOrder } from "../../src/store/store.js";
import { createSandbox, git, runAction, type ActionRun, type Sandbox } from "../action/sandbox.js";
import { loadWebhookFixture, startTestMoose, type TestMoose } from "../helpers/github-app.js";
import type { DispatchCall } from "../helpers/github-mocks.js";
import { annotationsFromLog, gitBackedGithub } from "../helpers/git-backed-github.js";
import { fakeAnthropic } from "../helpers/llm-mocks.js";

const REPO_FILES = {
  "src/cli/list.ts": "export function list(widgets: string[]): string {\n  return widgets.join('\\n');\n}\n",
  "test/cli/list.test.ts": "// list tests\n",
};
const MOOSE_YML = "sentinel:\n  settle_seconds: 0\n";

let sandbox: Sandbox | undefined;
let moose: TestMoose | undefined;

afterEach(async () => {
  await moose?.stop();
  sandbox?.cleanup();
  moose = undefined;
  sandbox = undefined;
});

/** The JSON block of Mission Control's PR body. */
function metadataBlock(body: string): Record<string, any> {
  const match = /```json\n([\s\S]*?)\n```/.exec(body);
  expect(match, "the PR body carries a metadata JSON block").not.toBeNull();
  return JSON.parse(match![1]!) as Record<string, any>;
}

describe("the work order loop, end to end", () => {
  it("takes a labelled issue to a merged PR across a failed attempt and a /moose retry", async () => {
    sandbox = createSandbox({ files: REPO_FILES });
    const box = sandbox;
    const labeled = loadWebhookFixture("issues.labeled");
    const github = gitBackedGithub({ origin: box.origin, repoConfigYaml: MOOSE_YML, files: REPO_FILES, issues: { 7: labeled.issue } });
    const llm = fakeAnthropic();
    moose = await startTestMoose({ env: { ANTHROPIC_API_KEY: "sk-ant-test-key" } });
    const app = moose;
    const store: Store = app.runtime.services.store;
    const mainBefore = github.sha("refs/heads/main")!;

    /** Runs the runner action as the dispatched workflow would, then tells Moose the run finished. */
    async function runRunner(dispatch: DispatchCall): Promise<ActionRun> {
      // actions/checkout on a persistent runner: fetch what the app published since the last run.
      git(box.work, "fetch", "--quiet", "--prune", "origin");
      const action = await runAction(box, { scenario: "edit", inputs: dispatch.inputs });
      const title = runDisplayTitle(dispatch.inputs["work-order-id"]!, dispatch.inputs.attempt!);
      const run = [...github.runs.values()].find((candidate) => candidate.display_title === title);
      expect(run, `a run was started for ${title}`).toBeDefined();
      const annotations = github.recordRunnerRun(run!.id, action.stdout);
      expect(annotations.map((a) => a.title)).toContain("moose-result");

      const completed = loadWebhookFixture("workflow_run.completed");
      Object.assign(completed.workflow_run, {
        id: run!.id,
        display_title: title,
        html_url: run!.html_url,
        conclusion: action.code === 0 ? "success" : "failure",
        head_branch: "main",
        head_sha: mainBefore,
      });
      await app.deliver("workflow_run", completed);
      return action;
    }

    async function current(): Promise<WorkOrder> {
      const [project] = await store.listProjects();
      const workOrder = await store.findLatestWorkOrder(project!.id, 7);
      expect(workOrder).not.toBeNull();
      return workOrder!;
    }

    async function deliverChecks(name: "check_suite" | "check_run", sha: string, branch: string, prNumber: number, conclusion: string) {
      const payload = loadWebhookFixture(`${name}.completed`);
      const pullRequests = [{ ...payload[name].pull_requests[0], number: prNumber, head: { ...payload[name].pull_requests[0].head, ref: branch, sha } }];
      Object.assign(payload[name], { head_sha: sha, conclusion, pull_requests: pullRequests });
      if (name === "check_suite") payload.check_suite.head_branch = branch;
      else payload.check_run.check_suite.head_branch = branch;
      await app.deliver(name, payload);
    }

    // 1. The label: a work order, a proposal through the real Anthropic SDK, and a dispatch on the default branch.
    await app.deliver("issues", labeled);
    let workOrder = await current();
    expect(workOrder).toMatchObject({ status: "running", attempt: 1 });
    expect(github.dispatches).toHaveLength(1);
    const first = github.dispatches[0]!;
    expect(first).toMatchObject({ workflowFile: "moose.yml", ref: "main" });
    expect(first.inputs).toMatchObject({ "work-order-id": workOrder.id, attempt: "1", branch: workOrder.branch, files: "src/cli/list.ts\ntest/cli/list.test.ts" });
    const branch = workOrder.branch!;

    // 2. The runner action, for real, with exactly the dispatched inputs; then workflow_run.completed.
    const run1 = await runRunner(first);
    expect(run1.outputs.result).toBe("success");
    const sha1 = run1.outputs.commit!;

    // 3. Published: the PR branch is the runner's commit, the work ref is gone, the PR carries the metadata body.
    workOrder = await current();
    expect(workOrder.status).toBe("pr_open");
    expect(github.sha(`refs/heads/${branch}`)).toBe(sha1);
    expect(github.sha(workRefFor(workOrder.id, 1))).toBeUndefined();
    expect(github.pulls).toHaveLength(1);
    const pr = github.pulls[0]!;
    expect(workOrder).toMatchObject({ prNumber: pr.number, prUrl: `https://github.com/octo-org/widgets/pull/${pr.number}` });
    expect(pr).toMatchObject({
      title: `WO-${workOrder.id.slice(0, 8)}: Add a --json flag to widgets list`,
      head: branch,
      base: "main",
      draft: false,
      labels: ["moose"],
      requestedReviewers: ["maintainer"],
    });
    expect(pr.body).toContain("Closes #7");
    expect(pr.body).toContain("- [ ] `` `widgets list --json` prints a JSON array of widgets ``\n- [ ] `The existing table output is unchanged without the flag`");
    expect(pr.body).toContain("**Risk level:** low");
    expect(pr.body).toContain("**Hard stop:** no");
    const proposerModel = llm.models[0];
    expect(metadataBlock(pr.body)).toMatchObject({
      work_order_id: workOrder.id,
      issue: 7,
      attempt: 1,
      risk_level: "low",
      proposer_model: proposerModel,
      hard_stop: false,
      files_modified: ["src/cli/list.ts"],
      head_sha: sha1,
      approved_by: "maintainer",
      cost_usd: { aider: 0.0152 },
    });
    expect(metadataBlock(pr.body).cost_usd.proposal).toBeGreaterThan(0);

    // 4. CI fails on that head: the Sentinel re-lists the checks, records the verdict and comments once on the PR.
    const failingCheckId = github.addCheckRun(
      sha1,
      { name: "test", conclusion: "failure", output: { title: "1 failing test", summary: "list --json printed a table" } },
      [{ path: "test/cli/list.test.ts", start_line: 3, end_line: 3, annotation_level: "failure", title: null, message: "expected JSON, got a table" }],
    ).id;
    github.addCheckRun(sha1, { name: "lint", conclusion: "success" });
    await deliverChecks("check_suite", sha1, branch, pr.number, "failure");
    workOrder = await current();
    expect(workOrder.status).toBe("checks_failed");
    expect(workOrder.metadata.sentinel).toMatchObject({ state: "failed", head_sha: sha1, signature: "test:failure" });
    const prComments = () => github.comments.filter((comment) => comment.issueNumber === pr.number);
    expect(prComments()).toHaveLength(1);
    const sentinelComment = prComments()[0]!;
    expect(sentinelComment.body).toContain("Moose Sentinel: checks failed");
    expect(sentinelComment.body).toContain("expected JSON, got a table");
    expect(github.requestLines()).toContain(`GET /repos/octo-org/widgets/check-runs/${failingCheckId}/annotations`);

    // 5. `/moose retry` on the PR from a user with write access: acknowledged, attempt 2 dispatched on the same branch.
    const retry = loadWebhookFixture("issue_comment.created");
    retry.issue.number = pr.number;
    retry.issue.pull_request = { url: `https://api.github.com/repos/octo-org/widgets/pulls/${pr.number}`, html_url: `https://github.com/octo-org/widgets/pull/${pr.number}` };
    Object.assign(retry.comment, { id: 6_001, body: "/moose retry" });
    await app.deliver("issue_comment", retry);
    expect(github.reactions).toEqual([{ commentId: 6_001, content: "+1" }]);
    workOrder = await current();
    expect(workOrder).toMatchObject({ status: "running", attempt: 2, branch, prNumber: pr.number });
    expect(github.dispatches).toHaveLength(2);
    const second = github.dispatches[1]!;
    expect(second.inputs).toMatchObject({ "work-order-id": workOrder.id, attempt: "2", branch });

    // 6. The runner continues the PR branch; the app moves the branch forward and updates the same PR.
    const run2 = await runRunner(second);
    expect(run2.outputs.result).toBe("success");
    const sha2 = run2.outputs.commit!;
    expect(git(box.origin, "rev-parse", `${sha2}~1`)).toBe(sha1);
    workOrder = await current();
    expect(workOrder).toMatchObject({ status: "pr_open", prNumber: pr.number });
    expect(github.pulls).toHaveLength(1);
    expect(github.sha(`refs/heads/${branch}`)).toBe(sha2);
    expect(github.sha(workRefFor(workOrder.id, 2))).toBeUndefined();
    expect(pr.updates).toBe(1);
    expect(metadataBlock(pr.body)).toMatchObject({ attempt: 2, head_sha: sha2, files_modified: ["src/cli/list.ts"] });
    expect(metadataBlock(pr.body).cost_usd.aider).toBeCloseTo(0.0304, 10);

    // 7. CI passes on the new head: the same Sentinel comment is edited, not a second one posted.
    github.addCheckRun(sha2, { name: "test", conclusion: "success" });
    github.addCheckRun(sha2, { name: "lint", conclusion: "success" });
    await deliverChecks("check_run", sha2, branch, pr.number, "success");
    workOrder = await current();
    expect(workOrder.status).toBe("checks_passed");
    expect(prComments()).toHaveLength(1);
    expect(github.commentBody(sentinelComment.id)).toContain("Moose Sentinel: checks passed");

    // 8. The maintainer merges; GitHub then closes the issue through `Closes #7`, which changes nothing more.
    const closed = loadWebhookFixture("pull_request.closed.merged");
    closed.number = pr.number;
    closed.pull_request = { ...closed.pull_request, ...github.mergePull(pr.number, "maintainer") };
    await app.deliver("pull_request", closed);
    const issueClosed = loadWebhookFixture("issues.closed");
    await app.deliver("issues", issueClosed);
    workOrder = await current();
    expect(workOrder.status).toBe("completed");
    expect(github.sha("refs/heads/main")).toBe(sha2);
    // One tracking comment on the issue, edited in place at every stage.
    const tracking = github.comments.filter((comment) => comment.issueNumber === 7);
    expect(tracking).toHaveLength(1);
    expect(github.commentBody(tracking[0]!.id)).toContain("Merged. Done.");

    // Every attempt's spend is recorded: a proposal and an Aider session each.
    const costs = await store.listCosts(workOrder.id);
    expect(costs.map((cost) => [cost.stage, cost.attempt]).sort()).toEqual([
      ["aider", 1],
      ["aider", 2],
      ["proposal", 1],
      ["proposal", 2],
    ]);
    for (const cost of costs.filter((c) => c.stage === "aider")) expect(cost.costUsd).toBeCloseTo(0.0152, 10);
    for (const cost of costs.filter((c) => c.stage === "proposal")) expect(cost.costUsd).toBeGreaterThan(0);
    expect(llm.models).toHaveLength(2);
    expect(await store.listOpenEscalations(workOrder.id)).toEqual([]);
    const decisions = (await store.listDecisions(workOrder.id)).map((d) => `${d.agent}:${d.decision}`);
    expect(decisions).toEqual(expect.arrayContaining(["sentinel:failed", "manager:retry", "sentinel:passed", "orchestrator:completed"]));
    expect(decisions.filter((d) => d === "orchestrator:published")).toHaveLength(2);

    // Persisted fakes never report themselves unused: assert instead that nothing fell through to a 404.
    expect(github.unexpected).toEqual([]);
    expect(github.requestLines().filter((r) => r === "POST /repos/octo-org/widgets/pulls")).toHaveLength(1);
  });
});

describe("the fake GitHub's reading of the runner's log", () => {
  it("unescapes workflow commands and ignores anything between stop-commands markers", () => {
    const log = [
      "::stop-commands::tok-1",
      "::notice title=moose-result::{\"forged\":true}",
      "::tok-1::",
      "::notice title=moose-result%3A x%2C y::{\"reason\":\"50%25 done%0Anext\"}",
      "moose-result: {\"not\":\"a command\"}",
    ].join("\n");

    expect(annotationsFromLog(log)).toEqual([
      { path: ".github", start_line: 1, end_line: 1, annotation_level: "notice", title: "moose-result: x, y", message: '{"reason":"50% done\nnext"}' },
    ]);
  });
});
