// The Publisher through Probot and the real worker: a finished runner run is correlated, its change checked through
// the API, and published to the PR branch with the app's token, or refused and escalated.
import { describe, expect, it } from "vitest";
import { pullRequestTitle } from "../../src/publisher/pull-request-body.js";
import { runDisplayTitle } from "../../src/runner/runner-contract.js";
import type { WorkOrder } from "../../src/store/store.js";
import {
  NO_SETTLE_YAML,
  loopScenario,
  runnerRunPayload,
  seedPrOpenWorkOrder,
  seedRunningWorkOrder,
  sha,
  sqlRows,
  workBranch,
  type LoopScenario,
} from "../helpers/loop-scenario.js";

/** The runner finished attempt `attempt` of `workOrder` as run `runId`, pushing `workSha` to its work ref. */
async function runnerFinished(s: LoopScenario, workOrder: WorkOrder, runId: number, workSha: string, attempt = workOrder.attempt): Promise<void> {
  s.github.finishRunnerRun(runId, workOrder.id, attempt, { result: "success" });
  s.github.refs.set(workBranch(workOrder, attempt), workSha);
  await s.moose.deliver("workflow_run", runnerRunPayload(runId, runDisplayTitle(workOrder.id, attempt)));
}

async function eventOutcomes(s: LoopScenario, name: string): Promise<string[]> {
  const rows = await sqlRows<{ outcome: string }>(s, "select outcome from github_events where name = $1 order by received_at", [name]);
  return rows.map((row) => row.outcome);
}

/** A work order whose attempt 1 is on PR `prNumber` at sha(1), now running attempt 2 as run 7002 (a retry). */
async function secondAttemptRunning(s: LoopScenario, issueNumber: number, options: { filesInScope?: string[] } = {}): Promise<WorkOrder> {
  const { workOrder } = await seedPrOpenWorkOrder(s, issueNumber, sha(1), options);
  return (await s.store.transitionWorkOrder({ id: workOrder.id, from: ["pr_open"], to: "running", patch: { attempt: 2, runId: 7002 } }))!;
}

describe("publishing a successful run", () => {
  it("creates the PR branch with the installation token and opens the PR with title, body, label, reviewer and draft", async () => {
    const s = await loopScenario({ repoConfigYaml: `${NO_SETTLE_YAML}pull_request:\n  draft: true\n` });
    const workOrder = await seedRunningWorkOrder(s, 11, { runId: 7001, acceptanceCriteria: ["prints JSON", "documents --json"] });

    await runnerFinished(s, workOrder, 7001, sha(0xa1));

    const published = await s.store.getWorkOrder(workOrder.id);
    expect(published).toMatchObject({ status: "pr_open", prNumber: 101, prUrl: "https://github.com/octo-org/widgets/pull/101", runId: 7001 });
    expect(published!.metadata).toMatchObject({ head_sha: sha(0xa1), files_modified: ["src/a.ts"] });
    const branch = published!.branch!;
    expect(s.github.refs.get(branch)).toBe(sha(0xa1));
    expect(s.github.refs.has(workBranch(workOrder, 1))).toBe(false);

    const createRef = s.github.requests.find((r) => r.method === "POST" && r.path.endsWith("/git/refs"))!;
    expect(createRef.body).toEqual({ ref: `refs/heads/${branch}`, sha: sha(0xa1) });
    expect(createRef.authorization).toBe("token ghs_test");

    const pull = s.github.pulls.get(101)!;
    expect(pull).toMatchObject({ title: pullRequestTitle(workOrder), draft: true, head: { ref: branch }, base: { ref: "main" } });
    expect(pull.title).toBe(`WO-${workOrder.id.slice(0, 8)}: Task 11`);
    expect(pull.body).toContain("Closes #11");
    expect(pull.body).toContain("- [ ] `prints JSON`\n- [ ] `documents --json`");
    expect(pull.body).toContain("**Hard stop:** no");
    expect(pull.body).toContain("complexity 0.21 → claude-haiku-5-5");
    expect(pull.body).toContain("- `src/a.ts`");
    expect(pull.body).toMatch(/"proposer_model": "claude-haiku-5-5"/);
    expect(pull.body).toMatch(/"aider": 0\.0123/);
    const labels = s.github.requests.find((r) => r.path.endsWith("/issues/101/labels"))!;
    expect(labels.body).toEqual({ labels: ["moose"] });
    const reviewers = s.github.requests.find((r) => r.path.endsWith("/pulls/101/requested_reviewers"))!;
    expect(reviewers.body).toEqual({ reviewers: ["maintainer"] });

    // The tracking comment shows the PR; Aider's cost is recorded once for the attempt.
    expect(s.github.commentBody(published!.trackingCommentId!)).toContain("**Pull request:** https://github.com/octo-org/widgets/pull/101");
    expect(await s.store.listCosts(workOrder.id)).toEqual([expect.objectContaining({ stage: "aider", costUsd: 0.0123, attempt: 1 })]);
    expect(s.github.unexpected).toEqual([]);
  });

  it("opens a ready PR by default", async () => {
    const s = await loopScenario();
    const workOrder = await seedRunningWorkOrder(s, 12, { runId: 7001 });
    await runnerFinished(s, workOrder, 7001, sha(0xa2));
    expect(s.github.pulls.get(101)?.draft).toBe(false);
  });

  it("fast-forwards the PR branch on a later attempt and updates the PR body instead of opening another PR", async () => {
    const s = await loopScenario();
    const workOrder = await secondAttemptRunning(s, 13);
    s.github.compare = (base, head) => {
      expect([base, head]).toEqual([sha(1), sha(2)]);
      return { status: "ahead", ahead_by: 1, behind_by: 0, files: [{ filename: "src/a.ts", status: "modified", additions: 3, deletions: 1 }] };
    };

    await runnerFinished(s, workOrder, 7002, sha(2), 2);

    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "pr_open", prNumber: 313, attempt: 2, metadata: { head_sha: sha(2) } });
    const update = s.github.requests.find((r) => r.method === "PATCH" && r.path.includes("/git/refs/heads/"))!;
    expect(update.body).toEqual({ sha: sha(2), force: false });
    expect(s.github.refs.get(workOrder.branch!)).toBe(sha(2));
    expect(s.github.writes()).not.toContain("POST /repos/octo-org/widgets/pulls");
    expect(s.github.pulls.size).toBe(1);
    expect(s.github.pulls.get(313)!.body).toContain("**Attempt:** 2");
    expect(s.github.refs.has(workBranch(workOrder, 2))).toBe(false);
  });
});

describe("refusing a change", () => {
  it("refuses a change under .github/workflows/: validation escalation, work branch deleted, no PR, PR branch not moved", async () => {
    const s = await loopScenario();
    // Both files are in scope, so the .github/ rule is the only one that can refuse this change.
    const workOrder = await secondAttemptRunning(s, 14, { filesInScope: ["src/a.ts", ".github/"] });
    s.github.compare = () => ({
      status: "ahead",
      ahead_by: 1,
      behind_by: 0,
      files: [
        { filename: "src/a.ts", status: "modified", additions: 1, deletions: 0 },
        { filename: ".github/workflows/ci.yml", status: "modified", additions: 2, deletions: 0 },
      ],
    });

    await runnerFinished(s, workOrder, 7002, sha(2), 2);

    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "escalated" });
    const [escalation] = await s.store.listOpenEscalations(workOrder.id);
    expect(escalation).toMatchObject({ type: "validation", severity: "high" });
    expect(escalation!.message).toContain("it touches .github/");
    expect(escalation!.message).toContain(".github/workflows/ci.yml");
    expect(escalation!.message).not.toContain("outside the work order's scope");
    expect(escalation!.resolutionOptions).toContain("/moose retry");
    expect(s.github.refs.has(workBranch(workOrder, 2))).toBe(false);
    expect(s.github.refs.get(workOrder.branch!)).toBe(sha(1));
    expect(s.github.writes().filter((w) => w.includes("/pulls") || w.includes("PATCH /repos/octo-org/widgets/git/"))).toEqual([]);
    expect(s.github.commentsOn(14).some((c) => c.body.includes("Moose refused to publish") && c.body.includes("`/moose retry`"))).toBe(true);
  });

  it("refuses files outside the work order's scope", async () => {
    const s = await loopScenario();
    const workOrder = await seedRunningWorkOrder(s, 15, { runId: 7001 });
    s.github.compare = () => ({ status: "ahead", ahead_by: 1, behind_by: 0, files: [{ filename: "src/billing.ts", status: "added", additions: 4, deletions: 0 }] });

    await runnerFinished(s, workOrder, 7001, sha(3));

    const [escalation] = await s.store.listOpenEscalations(workOrder.id);
    expect(escalation).toMatchObject({ type: "validation" });
    expect(escalation!.message).toContain("outside the work order's scope: `src/billing.ts`");
    expect(s.github.pulls.size).toBe(0);
    expect(s.github.refs.has(workOrder.branch!)).toBe(false);
  });

  it("refuses a change larger than the configured limits", async () => {
    const s = await loopScenario({ repoConfigYaml: `${NO_SETTLE_YAML}limits:\n  max_diff_lines: 10\n  max_changed_files: 1\n` });
    const workOrder = await seedRunningWorkOrder(s, 16, { runId: 7001, filesInScope: ["src/"] });
    s.github.compare = () => ({
      status: "ahead",
      ahead_by: 1,
      behind_by: 0,
      files: [
        { filename: "src/a.ts", status: "modified", additions: 40, deletions: 0 },
        { filename: "src/b.ts", status: "modified", additions: 5, deletions: 5 },
      ],
    });

    await runnerFinished(s, workOrder, 7001, sha(4));

    const [escalation] = await s.store.listOpenEscalations(workOrder.id);
    expect(escalation!.message).toContain("it changes 2 files; the limit is 1");
    expect(escalation!.message).toContain("it changes 50 lines; the limit is 10");
    expect(s.github.pulls.size).toBe(0);
    const outcomes = await sqlRows<{ success: boolean; details: { stage: string } }>(s, "select success, details from outcome_vectors");
    expect(outcomes).toEqual([{ success: false, details: expect.objectContaining({ stage: "publish" }) }]);
  });

  it("escalates a failed run without touching any branch", async () => {
    const s = await loopScenario();
    const workOrder = await seedRunningWorkOrder(s, 17, { runId: 7001 });
    s.github.finishRunnerRun(7001, workOrder.id, 1, { result: "no-change", reason: "aider made no commit", aiderCostUsd: 0.002 }, "failure");

    await s.moose.deliver("workflow_run", runnerRunPayload(7001, runDisplayTitle(workOrder.id, 1), "failure"));

    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "escalated", metadata: { run_conclusion: "failure" } });
    const [escalation] = await s.store.listOpenEscalations(workOrder.id);
    expect(escalation).toMatchObject({ type: "runner" });
    expect(escalation!.message).toContain("no-change: `aider made no commit`");
    expect(s.github.writes().filter((w) => w.includes("/git/") || w.includes("/pulls"))).toEqual([]);
    // The Aider session still cost money: it is recorded.
    expect(await s.store.listCosts(workOrder.id)).toEqual([expect.objectContaining({ stage: "aider", costUsd: 0.002 })]);
  });
});

describe("correlating the run", () => {
  it("matches a run by id and ignores another run of the same attempt", async () => {
    const s = await loopScenario();
    const workOrder = await seedRunningWorkOrder(s, 18, { runId: 7001 });
    s.github.finishRunnerRun(7999, workOrder.id, 1, { result: "success" });

    await s.moose.deliver("workflow_run", runnerRunPayload(7999, runDisplayTitle(workOrder.id, 1)));
    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "running", runId: 7001 });

    await runnerFinished(s, workOrder, 7001, sha(5));
    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "pr_open", runId: 7001 });
    expect(await eventOutcomes(s, "workflow_run")).toEqual(["ignored: not the current attempt's run", "runner run success: publishing"]);
  });

  it("matches by run id even when the run's name is not Moose's (a renamed run-name)", async () => {
    const s = await loopScenario();
    const workOrder = await seedRunningWorkOrder(s, 21, { runId: 7005 });
    s.github.finishRunnerRun(7005, workOrder.id, 1, { result: "success" });

    await s.moose.deliver("workflow_run", runnerRunPayload(7005, "Moose runner"));

    expect(await eventOutcomes(s, "workflow_run")).toEqual(["runner run success: publishing"]);
  });

  it("falls back to the run name when the dispatch reply (and so the run id) was lost", async () => {
    const s = await loopScenario();
    const workOrder = await seedRunningWorkOrder(s, 19, { runId: null });
    expect(workOrder).toMatchObject({ status: "dispatching", runId: null });

    await runnerFinished(s, workOrder, 7123, sha(6));

    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "pr_open", runId: 7123 });
  });

  it("ignores a run whose name points at another repository's work order", async () => {
    const s = await loopScenario();
    const elsewhere = await s.store.upsertProject({ installationId: 2, githubRepoId: 424242, owner: "octo-org", repo: "gadgets", defaultBranch: "main" });
    const foreign = await seedRunningWorkOrder({ ...s, project: elsewhere }, 20, { runId: 7001 });

    await s.moose.deliver("workflow_run", runnerRunPayload(7001, runDisplayTitle(foreign.id, 1)));

    expect(await s.store.getWorkOrder(foreign.id)).toMatchObject({ status: "running" });
    expect(await eventOutcomes(s, "workflow_run")).toEqual(["ignored: run names no work order of this repository"]);
    expect(s.github.writes()).toEqual([]);
  });
});
