// `/moose` commands through Probot and the real worker: who may give them, deduplication by comment id, and what
// retry (same model, --model, --escalate), cancel and status do to the work order.
import { describe, expect, it } from "vitest";
import type { WorkOrder } from "../../src/store/store.js";
import { fakeAnthropic } from "../helpers/llm-mocks.js";
import { commentPayload, loopScenario, seedPrOpenWorkOrder, seedRunningWorkOrder, sha, sqlRows, type LoopScenario } from "../helpers/loop-scenario.js";

/** A work order whose attempt 1 ran and was escalated (e.g. the runner failed), with one open escalation. */
async function escalated(s: LoopScenario, issueNumber: number): Promise<WorkOrder> {
  const running = await seedRunningWorkOrder(s, issueNumber, { runId: 7001 });
  await s.store.createEscalation({ workOrderId: running.id, type: "runner", severity: "medium", message: "no change", resolutionOptions: ["/moose retry"] });
  return (await s.store.transitionWorkOrder({ id: running.id, from: ["running"], to: "escalated" }))!;
}

async function retryDecisions(s: LoopScenario, workOrder: WorkOrder) {
  return (await s.store.listDecisions(workOrder.id)).filter((d) => d.decision === "retry");
}

describe("who may give commands", () => {
  it("ignores a command from a user without write access: no reaction, no write, nothing spent", async () => {
    const s = await loopScenario({ permissions: { "drive-by": "read" } });
    const workOrder = await escalated(s, 31);

    await s.moose.deliver("issue_comment", commentPayload(31, "/moose retry", { login: "drive-by" }));

    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "escalated", attempt: 1 });
    expect(s.github.writes()).toEqual([]);
    const permissionChecks = s.github.requests.filter((r) => `${r.method} ${r.path}` === "GET /repos/octo-org/widgets/collaborators/drive-by/permission");
    expect(permissionChecks).toHaveLength(1);
    expect(await sqlRows(s, "select outcome from github_events")).toEqual([{ outcome: "ignored: commenter lacks write access" }]);
    expect(await s.store.listCosts(workOrder.id)).toEqual([]);
    expect(await s.store.listOpenEscalations(workOrder.id)).toHaveLength(1);
  });

  it("ignores bot comments, Moose's own included, before any API call", async () => {
    const s = await loopScenario();
    const workOrder = await escalated(s, 32);

    await s.moose.deliver("issue_comment", commentPayload(32, "Reply with one of these:\n/moose retry", { login: "moose-app[bot]", bot: true }));

    expect(s.github.requests).toEqual([]);
    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "escalated", attempt: 1 });
  });

  it("acts once on a comment delivered twice under different delivery ids", async () => {
    const s = await loopScenario();
    const calls = fakeAnthropic();
    const workOrder = await escalated(s, 33);
    const payload = commentPayload(33, "/moose retry", { commentId: 55_501 });

    await s.moose.deliver("issue_comment", payload, "delivery-original");
    await s.moose.deliver("issue_comment", structuredClone(payload), "delivery-redelivered");

    expect(s.github.reactions).toEqual([{ commentId: 55_501, content: "+1" }]);
    expect(await retryDecisions(s, workOrder)).toHaveLength(1);
    expect(s.github.dispatches).toHaveLength(1);
    expect(calls.models).toHaveLength(1);
    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "running", attempt: 2 });
  });
});

describe("/moose retry", () => {
  it("retries with the same model, lands on the same branch as a new attempt, and closes the escalation", async () => {
    const s = await loopScenario();
    const calls = fakeAnthropic();
    const workOrder = await escalated(s, 34);

    await s.moose.deliver("issue_comment", commentPayload(34, "Let's try that again.\n/moose retry"));

    expect(calls.models).toEqual(["claude-haiku-5-5"]);
    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "running", attempt: 2, metadata: { retried_by: "maintainer", requested_model: "claude-haiku-5-5" } });
    expect(s.github.dispatches[0]!.inputs).toMatchObject({ attempt: "2", branch: workOrder.branch });
    expect(await s.store.listOpenEscalations(workOrder.id)).toEqual([]);
  });

  it("accepts --model for a model in the routing table", async () => {
    const s = await loopScenario();
    const calls = fakeAnthropic();
    const workOrder = await escalated(s, 35);

    await s.moose.deliver("issue_comment", commentPayload(35, "/moose retry --model claude-opus-5-5"));

    expect(calls.models).toEqual(["claude-opus-5-5"]);
    expect(s.github.dispatches[0]!.inputs.model).toBe("anthropic/claude-opus-5-5");
    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "running", attempt: 2 });
  });

  it("refuses --model for a model outside the routing table with a reply, and changes nothing", async () => {
    const s = await loopScenario();
    const workOrder = await escalated(s, 36);

    await s.moose.deliver("issue_comment", commentPayload(36, "/moose retry --model gpt-0-nonexistent"));

    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "escalated", attempt: 1 });
    expect(await s.store.listOpenEscalations(workOrder.id)).toHaveLength(1);
    expect(await retryDecisions(s, workOrder)).toEqual([]);
    expect(s.github.commentsOn(36).map((c) => c.body)).toContainEqual(expect.stringMatching(/^@maintainer model gpt-0-nonexistent is not in the routing table/));
    expect(s.github.dispatches).toEqual([]);
  });

  it("answers a retry that does not apply now (the attempt is still running) and changes nothing", async () => {
    const s = await loopScenario();
    const workOrder = await seedRunningWorkOrder(s, 39, { runId: 7002 });

    await s.moose.deliver("issue_comment", commentPayload(39, "/moose retry"));

    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "running", attempt: 1 });
    expect(s.github.commentsOn(39).map((c) => c.body)).toContainEqual(expect.stringMatching(/^@maintainer `\/moose retry` does nothing while the work order is `running`/));
    expect(s.github.dispatches).toEqual([]);
  });

  it("--escalate picks the next model up that a configured provider serves", async () => {
    const s = await loopScenario();
    const calls = fakeAnthropic();
    const workOrder = await escalated(s, 37);

    await s.moose.deliver("issue_comment", commentPayload(37, "/moose retry --escalate"));

    // gpt-6-luna comes next in the escalation order, but only Anthropic is configured in these tests.
    expect(calls.models).toEqual(["claude-sonnet-5-5"]);
    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "running", attempt: 2, metadata: { requested_model: "claude-sonnet-5-5" } });
  });

  it("answers a malformed command with a confused reaction and the usage", async () => {
    const s = await loopScenario();
    const workOrder = await escalated(s, 38);
    const payload = commentPayload(38, "/moose retry --fast");

    await s.moose.deliver("issue_comment", payload);

    expect(s.github.reactions).toEqual([{ commentId: payload.comment.id, content: "confused" }]);
    expect(s.github.commentsOn(38).map((c) => c.body)).toEqual([expect.stringContaining("usage: `/moose retry`")]);
    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "escalated" });
  });
});

describe("/moose cancel and /moose status", () => {
  it("cancels a work order from its PR and deletes the PR branch", async () => {
    const s = await loopScenario();
    const { workOrder, pull } = await seedPrOpenWorkOrder(s, 39, sha(0x39));

    await s.moose.deliver("issue_comment", commentPayload(pull.number, "/moose cancel", { onPullRequest: true }));

    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "cancelled" });
    expect(s.github.refs.has(workOrder.branch!)).toBe(false);
    expect(s.github.writes()).toContain(`DELETE /repos/octo-org/widgets/git/refs/heads/${workOrder.branch}`);
  });

  it("finishes a cancel whose follow-up failed, when its event is retried, without saying there is no work order", async () => {
    const s = await loopScenario();
    const { workOrder } = await seedPrOpenWorkOrder(s, 38, sha(0x38));
    // The first try cancelled the work order, then failed before deleting the branch.
    await s.store.transitionWorkOrder({ id: workOrder.id, from: ["pr_open"], to: "cancelled", patch: { metadata: { last_command_comment_id: 77_001 } } });

    await s.moose.deliver("issue_comment", commentPayload(38, "/moose cancel", { commentId: 77_001 }));

    expect(s.github.refs.has(workOrder.branch!)).toBe(false);
    expect(s.github.commentsOn(38).map((c) => c.body)).not.toContainEqual(expect.stringContaining("no active Moose work order"));
    const [event] = await sqlRows<{ outcome: string }>(s, "select outcome from github_events where name = 'issue_comment'");
    expect(event!.outcome).toBe("command already applied; follow-up steps finished");
  });

  it("cancels the runner run of a work order still running, so Aider stops spending", async () => {
    const s = await loopScenario();
    const workOrder = await seedRunningWorkOrder(s, 40, { runId: 7010 });

    await s.moose.deliver("issue_comment", commentPayload(40, "/moose cancel"));

    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "cancelled" });
    expect(s.github.writes()).toContain("POST /repos/octo-org/widgets/actions/runs/7010/cancel");
  });

  it("refreshes the tracking comment from the stored work order", async () => {
    const s = await loopScenario();
    const workOrder = await escalated(s, 40);
    s.github.comments.push({ id: 4_040, issueNumber: 40, body: "stale" });
    await s.store.updateWorkOrder(workOrder.id, { trackingCommentId: 4_040 });
    const payload = commentPayload(40, "/moose status");

    await s.moose.deliver("issue_comment", payload);

    expect(s.github.commentBody(4_040)).toContain("**Status:** `escalated`");
    expect(s.github.reactions).toEqual([{ commentId: payload.comment.id, content: "+1" }]);
    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "escalated", attempt: 1 });
    const [event] = await sqlRows<{ delivery_id: string; outcome: string }>(s, "select delivery_id, outcome from github_events");
    expect(event).toEqual({ delivery_id: `issue_comment:${payload.comment.id}:created`, outcome: "status refreshed" });
  });
});
