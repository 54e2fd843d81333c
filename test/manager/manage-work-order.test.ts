// The Manager stage driven by the real worker and the real Anthropic SDK against nock: routing by complexity, hard
// stops and budget tiers (with `/moose approve` through Probot), and dependency ordering.
import { afterEach, describe, expect, it } from "vitest";
import { checkDependencies } from "../../src/manager/manage-work-order.js";
import { monthKey } from "../../src/manager/budget.js";
import type { PipelineConfig } from "../../src/orchestrator/stage-context.js";
import type { Project, Store } from "../../src/store/store.js";
import { loadWebhookFixture, startTestMoose, type TestMoose } from "../helpers/github-app.js";
import { fakeGithub, type FakeGithub } from "../helpers/github-mocks.js";
import { fakeAnthropic } from "../helpers/llm-mocks.js";
import { clonedPgliteStore } from "../helpers/pglite-template.js";
import { seedProject, seedSpend, seedWorkOrder, sleep, testPipeline } from "../helpers/pipeline-harness.js";

interface Scenario {
  moose: TestMoose;
  store: Store;
  project: Project;
  github: FakeGithub;
}

let running: TestMoose | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function scenario(pipeline: Partial<PipelineConfig> = {}): Promise<Scenario> {
  const store = await clonedPgliteStore();
  const github = fakeGithub();
  const moose = await startTestMoose({ openStore: async () => store, pipeline: () => testPipeline(pipeline) });
  running = moose;
  return { moose, store, project: await seedProject(store), github };
}

/** `/moose approve` from a maintainer on `issueNumber`, delivered through Probot and handled by the worker. */
async function approve(s: Scenario, issueNumber: number): Promise<void> {
  const payload = loadWebhookFixture("issue_comment.created");
  payload.issue.number = issueNumber;
  payload.comment.body = "/moose approve";
  await s.moose.deliver("issue_comment", payload);
}

const COMPLEX = {
  acceptanceCriteria: Array.from({ length: 8 }, (_, i) => `criterion ${i + 1}`),
  filesInScope: Array.from({ length: 8 }, (_, i) => `src/module-${i + 1}.ts`),
  riskLevel: "high" as const,
};

describe("routing by complexity", () => {
  it("sends a simple work order to the cheap model and a complex one to the strong one", async () => {
    const s = await scenario();
    const byIssue = new Map<number, string>();
    fakeAnthropic({ onRequest: (body) => byIssue.set(Number(/Task (\d+)/.exec(JSON.stringify(body.messages))?.[1]), body.model) });
    const simple = await seedWorkOrder(s.store, s.project, 1);
    const complex = await seedWorkOrder(s.store, s.project, 2, COMPLEX);

    await s.moose.runtime.worker.drain();

    expect(Object.fromEntries(byIssue)).toEqual({ 1: "claude-haiku-5-5", 2: "claude-opus-5-5" });
    const [a, b] = await Promise.all([s.store.getWorkOrder(simple.id), s.store.getWorkOrder(complex.id)]);
    expect(a).toMatchObject({ status: "running", metadata: { model: "claude-haiku-5-5", aider_model: "anthropic/claude-haiku-5-5" } });
    expect(b).toMatchObject({ status: "running", metadata: { model: "claude-opus-5-5" } });
    expect(b!.metadata.complexity as number).toBeGreaterThan(0.65);
    expect(s.github.dispatches.find((d) => d.inputs["work-order-id"] === complex.id)?.inputs.model).toBe("anthropic/claude-opus-5-5");
    expect(s.github.unexpected).toEqual([]);
  });
});

describe("hard stop", () => {
  it("waits in awaiting_approval until /moose approve, then runs on the strongest model", async () => {
    const s = await scenario();
    const workOrder = await seedWorkOrder(s.store, s.project, 7, { metadata: { hard_stops: ["migration"] } });

    await s.moose.runtime.worker.drain();
    const held = await s.store.getWorkOrder(workOrder.id);
    expect(held).toMatchObject({ status: "awaiting_approval", metadata: { awaiting_reason: "hard_stop" } });
    expect(await s.store.listCosts(workOrder.id)).toEqual([]);
    expect(s.github.dispatches).toEqual([]);

    const calls = fakeAnthropic();
    await approve(s, 7);

    expect(calls.models).toEqual(["claude-opus-5-5"]);
    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "running", metadata: { model: "claude-opus-5-5", approved_via: "command" } });
    expect(s.github.dispatches).toHaveLength(1);
  });
});

describe("budget tiers", () => {
  const limits = { softUsd: 1, hardUsd: 2, emergencyUsd: 3 };

  it("soft: warns in the decision and the tracking comment and downgrades to the cheapest model", async () => {
    const s = await scenario({ limits });
    await seedSpend(s.store, 1.5);
    const calls = fakeAnthropic();
    const workOrder = await seedWorkOrder(s.store, s.project, 1, COMPLEX);

    await s.moose.runtime.worker.drain();

    expect(calls.models).toEqual(["claude-haiku-5-5"]);
    const done = await s.store.getWorkOrder(workOrder.id);
    expect(done).toMatchObject({ status: "running", metadata: { model: "claude-haiku-5-5", budget_tier: "soft" } });
    const routed = (await s.store.listDecisions(workOrder.id)).find((d) => d.decision === "routed");
    expect(routed?.reason).toMatch(/budget soft: .*soft budget limit reached: warning/);
    expect(s.github.commentBody(done!.trackingCommentId!)).toContain("soft budget limit reached: warning");
  });

  it("hard: holds for approval with nothing spent, then runs once a maintainer approves", async () => {
    const s = await scenario({ limits });
    await seedSpend(s.store, 2.5);
    const workOrder = await seedWorkOrder(s.store, s.project, 7);

    await s.moose.runtime.worker.drain();
    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "awaiting_approval", metadata: { awaiting_reason: "budget" } });
    expect(await s.store.listCosts(workOrder.id)).toEqual([]);
    expect(await s.store.monthSpend(monthKey(new Date()))).toEqual({ spentUsd: 2.5, reservedUsd: 0 });

    const calls = fakeAnthropic();
    await approve(s, 7);

    expect(calls.models).toEqual(["claude-haiku-5-5"]);
    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "running" });
    expect(await s.store.listCosts(workOrder.id)).toHaveLength(1);
  });

  it("emergency: escalates for budget without calling a model or recording a cost", async () => {
    // No LLM mock: a call would fail and escalate as a provider error, not a budget one.
    const s = await scenario({ limits });
    await seedSpend(s.store, 3.5);
    const workOrder = await seedWorkOrder(s.store, s.project, 1);

    await s.moose.runtime.worker.drain();

    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "escalated" });
    const escalations = await s.store.listOpenEscalations(workOrder.id);
    expect(escalations).toMatchObject([{ type: "budget", severity: "critical" }]);
    expect(escalations[0]!.message).toContain("emergency budget limit reached");
    expect(await s.store.listCosts(workOrder.id)).toEqual([]);
    expect(await s.store.monthSpend(monthKey(new Date()))).toEqual({ spentUsd: 3.5, reservedUsd: 0 });
    expect(s.github.comments.some((c) => c.body.includes("Moose needs a human") && c.body.includes("emergency budget"))).toBe(true);
  });
});

describe("dependency ordering", () => {
  it("keeps B waiting on A (metadata.waiting_on) until A completes, then proceeds", async () => {
    const s = await scenario();
    fakeAnthropic();
    const a = await seedWorkOrder(s.store, s.project, 1);
    await s.store.transitionWorkOrder({ id: a.id, from: ["approved"], to: "running" });
    const b = await seedWorkOrder(s.store, s.project, 2, { dependsOn: [1] });

    await s.moose.runtime.worker.drain();
    expect(await s.store.getWorkOrder(b.id)).toMatchObject({ status: "approved", metadata: { waiting_on: "#1" } });
    expect(s.github.dispatches).toEqual([]);

    await s.store.transitionWorkOrder({ id: a.id, from: ["running"], to: "completed" });
    await sleep(40); // the snooze holds B's lease for recheckMs (20 ms)
    await s.moose.runtime.worker.drain();

    expect(await s.store.getWorkOrder(b.id)).toMatchObject({ status: "running" });
    expect([...s.github.dispatchCounts().keys()]).toEqual([b.id]);
  });

  it("escalates a cycle and a missing dependency with a message that says which", async () => {
    const s = await scenario();
    const c = await seedWorkOrder(s.store, s.project, 3, { dependsOn: [4] });
    const d = await seedWorkOrder(s.store, s.project, 4, { dependsOn: [3] });
    const e = await seedWorkOrder(s.store, s.project, 5, { dependsOn: [99] });

    await s.moose.runtime.worker.drain();

    for (const workOrder of [c, d, e]) expect((await s.store.getWorkOrder(workOrder.id))?.status).toBe("escalated");
    expect((await s.store.listOpenEscalations(c.id))[0]).toMatchObject({ type: "dependency", message: expect.stringContaining("cycle: #3 → #4 → #3") });
    expect((await s.store.listOpenEscalations(e.id))[0]!.message).toContain("it depends on #99, which has no Moose work order");
    expect(s.github.comments.filter((comment) => comment.body.includes("Moose needs a human"))).toHaveLength(3);
  });
});

describe("checkDependencies", () => {
  it("is ready, waiting, or blocked (self, missing, cancelled, cycle)", async () => {
    const store = await clonedPgliteStore();
    try {
      const project = await seedProject(store);
      const done = await seedWorkOrder(store, project, 1);
      await store.transitionWorkOrder({ id: done.id, from: ["approved"], to: "completed" });
      const open = await seedWorkOrder(store, project, 2);
      const dropped = await seedWorkOrder(store, project, 3);
      await store.transitionWorkOrder({ id: dropped.id, from: ["approved"], to: "cancelled" });
      const loopA = await seedWorkOrder(store, project, 10, { dependsOn: [11] });
      await seedWorkOrder(store, project, 11, { dependsOn: [12] });
      await seedWorkOrder(store, project, 12, { dependsOn: [10] });
      const check = async (issue: number, dependsOn: number[]) =>
        checkDependencies(store, { ...(await seedWorkOrder(store, project, issue, { dependsOn })) });

      expect(await check(20, [])).toEqual({ kind: "ready" });
      expect(await check(21, [1])).toEqual({ kind: "ready" });
      expect(await check(22, [1, 2])).toEqual({ kind: "waiting", on: [2] });
      expect(await check(23, [23])).toEqual({ kind: "blocked", reason: "#23 depends on itself" });
      expect(await check(24, [42])).toMatchObject({ kind: "blocked", reason: expect.stringContaining("#42, which has no Moose work order") });
      expect(await check(25, [3])).toMatchObject({ kind: "blocked", reason: expect.stringContaining("#3, whose work order was cancelled") });
      expect(await checkDependencies(store, loopA)).toEqual({ kind: "blocked", reason: "its dependencies form a cycle: #10 → #11 → #12 → #10" });
    } finally {
      await store.close();
    }
  });
});
