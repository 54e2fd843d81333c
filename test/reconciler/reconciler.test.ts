// The Reconciler over the real store and worker: what lost webhooks would have said (a finished run, a label, a
// merge, settled checks) is found through the API and handled as if the event had arrived.
import { describe, expect, it } from "vitest";
import { reconcile } from "../../src/reconciler/reconciler.js";
import { loadWebhookFixture } from "../helpers/github-app.js";
import { NO_SETTLE_YAML, loopScenario, seedPrOpenWorkOrder, seedRunningWorkOrder, sha, sqlRows, workBranch, type LoopScenario } from "../helpers/loop-scenario.js";

function reconcileNow(s: LoopScenario) {
  return reconcile(s.moose.runtime.services, s.moose.runtime.pipeline);
}

describe("lost workflow_run", () => {
  it("publishes a run that finished while its event was lost: running → publishing → pr_open", async () => {
    const s = await loopScenario();
    const workOrder = await seedRunningWorkOrder(s, 51, { runId: 7001 });
    s.github.finishRunnerRun(7001, workOrder.id, 1, { result: "success" });
    s.github.refs.set(workBranch(workOrder, 1), sha(0x51));

    const report = await reconcileNow(s);

    expect(report).toEqual({ labelsRecovered: 0, runsRecovered: 1, pullRequestsChecked: 0, errors: 0 });
    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "publishing", metadata: { run_conclusion: "success" } });
    expect(s.github.requests.map((r) => `${r.method} ${r.path}`)).toContain("GET /repos/octo-org/widgets/actions/runs/7001");

    await s.moose.runtime.worker.drain();
    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "pr_open", prNumber: 101, metadata: { head_sha: sha(0x51) } });
    expect(s.github.refs.get(workOrder.branch!)).toBe(sha(0x51));
  });

  it("leaves a run that is still in progress alone", async () => {
    const s = await loopScenario();
    const workOrder = await seedRunningWorkOrder(s, 52, { runId: 7002 });
    s.github.runs.set(7002, { id: 7002, status: "in_progress", conclusion: null, display_title: "", html_url: "https://github.com/octo-org/widgets/actions/runs/7002" });

    expect(await reconcileNow(s)).toMatchObject({ runsRecovered: 0, errors: 0 });
    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "running" });
  });
});

describe("lost issues.labeled", () => {
  it("records the labelled issue as an event so the Director creates the work order, once", async () => {
    const s = await loopScenario({ repoConfigYaml: `${NO_SETTLE_YAML}approval:\n  low: manual\n` });
    const fixture = loadWebhookFixture("issues.labeled");
    s.github.issues.set(53, { ...fixture.issue, number: 53 });
    s.github.issueEvents.set(53, [
      { id: 99_101, event: "labeled", label: { name: "bug" }, actor: fixture.sender, created_at: "2026-01-01T00:00:00Z" },
      { id: 99_102, event: "labeled", label: { name: "Moose" }, actor: fixture.sender, created_at: new Date().toISOString() },
    ]);

    expect(await reconcileNow(s)).toMatchObject({ labelsRecovered: 1, errors: 0 });
    const [event] = await sqlRows<{ delivery_id: string; name: string; action: string }>(s, "select delivery_id, name, action from github_events");
    expect(event).toEqual({ delivery_id: "reconcile:labeled:99102", name: "issues", action: "labeled" });

    await s.moose.runtime.worker.drain();
    const workOrder = await s.store.findActiveWorkOrder(s.project.id, 53);
    expect(workOrder).toMatchObject({ status: "awaiting_approval", title: fixture.issue.title, metadata: { labelled_by: "maintainer" } });
    expect(workOrder!.filesInScope).toEqual(["src/cli/list.ts", "test/cli/list.test.ts"]);

    // The next pass sees the work order and records nothing more.
    expect(await reconcileNow(s)).toMatchObject({ labelsRecovered: 0 });
    await s.moose.runtime.worker.drain();
    expect(s.github.commentsOn(53)).toHaveLength(1);
  });
});

describe("lost pull request and check events", () => {
  it("completes a work order whose PR was merged while webhooks were lost", async () => {
    const s = await loopScenario();
    const { workOrder, pull } = await seedPrOpenWorkOrder(s, 54, sha(0x54));
    Object.assign(pull, { state: "closed", merged: true, merged_by: { login: "maintainer" } });

    expect(await reconcileNow(s)).toMatchObject({ pullRequestsChecked: 1, errors: 0 });

    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "completed" });
    expect((await s.store.listDecisions(workOrder.id)).at(-1)).toMatchObject({ decision: "completed", details: { merged_by: "maintainer" } });
  });

  it("judges checks that settled while their events were lost", async () => {
    const s = await loopScenario();
    const { workOrder } = await seedPrOpenWorkOrder(s, 55, sha(0x55));
    s.github.addCheckRun(sha(0x55), { name: "test", conclusion: "success" });

    await reconcileNow(s);

    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "checks_passed" });
  });
});
