// How work orders end, through Probot and the real worker: merged → completed; PR closed or issue closed →
// cancelled with Moose's branch deleted; an issue closed by its merged PR completes rather than cancels.
import { describe, expect, it } from "vitest";
import { loadWebhookFixture } from "../helpers/github-app.js";
import { loopScenario, seedPrOpenWorkOrder, sha, type LoopScenario } from "../helpers/loop-scenario.js";
import type { FakePull } from "../helpers/loop-github.js";

/** Closes (or merges) the PR on the fake GitHub, as the API will report it, and returns the webhook for it. */
function pullClosedPayload(pull: FakePull, merged: boolean) {
  Object.assign(pull, { state: "closed", merged, merged_by: merged ? { login: "maintainer" } : null });
  const payload = loadWebhookFixture(merged ? "pull_request.closed.merged" : "pull_request.closed");
  payload.number = pull.number;
  Object.assign(payload.pull_request, { number: pull.number, state: "closed", merged });
  Object.assign(payload.pull_request.head, { ref: pull.head.ref, sha: pull.head.sha });
  return payload;
}

function issueClosedPayload(issueNumber: number) {
  const payload = loadWebhookFixture("issues.closed");
  payload.issue.number = issueNumber;
  return payload;
}

async function openEscalation(s: LoopScenario, workOrderId: string): Promise<void> {
  await s.store.createEscalation({ workOrderId, type: "checks", severity: "low", message: "checks failed", resolutionOptions: ["/moose retry"] });
}

describe("pull request closed", () => {
  it("completes the work order when its PR is merged, resolving its escalations and keeping the branch", async () => {
    const s = await loopScenario();
    const { workOrder, pull } = await seedPrOpenWorkOrder(s, 41, sha(0x41));
    await openEscalation(s, workOrder.id);

    await s.moose.deliver("pull_request", pullClosedPayload(pull, true));

    const completed = await s.store.getWorkOrder(workOrder.id);
    expect(completed).toMatchObject({ status: "completed" });
    expect(await s.store.listOpenEscalations(workOrder.id)).toEqual([]);
    expect(s.github.refs.get(workOrder.branch!)).toBe(sha(0x41));
    expect(s.github.writes().filter((w) => w.startsWith("DELETE"))).toEqual([]);
    expect(s.github.commentBody(completed!.trackingCommentId!)).toContain("Merged. Done.");
  });

  it("cancels the work order and deletes its branch when the PR is closed without merging", async () => {
    const s = await loopScenario();
    const { workOrder, pull } = await seedPrOpenWorkOrder(s, 42, sha(0x42));

    await s.moose.deliver("pull_request", pullClosedPayload(pull, false));

    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "cancelled" });
    expect(s.github.refs.has(workOrder.branch!)).toBe(false);
    const decisions = await s.store.listDecisions(workOrder.id);
    expect(decisions.at(-1)).toMatchObject({ decision: "cancelled", reason: `PR #${pull.number} was closed without merging` });
  });

  it("acts on the PR as it is now: a late 'closed' delivery for a PR reopened since changes nothing", async () => {
    const s = await loopScenario();
    const { workOrder, pull } = await seedPrOpenWorkOrder(s, 44, sha(0x44));
    const payload = pullClosedPayload(pull, false);
    Object.assign(pull, { state: "open" }); // reopened before the delivery was handled

    await s.moose.deliver("pull_request", payload);

    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "pr_open" });
    expect(s.github.refs.has(workOrder.branch!)).toBe(true);
  });

  it("ignores a closed PR that is not Moose's", async () => {
    const s = await loopScenario();
    const { workOrder, pull } = await seedPrOpenWorkOrder(s, 43, sha(0x43));

    await s.moose.deliver("pull_request", pullClosedPayload({ ...pull, number: 9 }, false));
    expect(pull.state).toBe("open");

    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "pr_open" });
    expect(s.github.writes()).toEqual([]);
  });
});

describe("issue closed", () => {
  it("completes, not cancels, when the issue was closed by its merged PR (merge event not seen yet)", async () => {
    const s = await loopScenario();
    const { workOrder, pull } = await seedPrOpenWorkOrder(s, 44, sha(0x44));
    Object.assign(pull, { state: "closed", merged: true, merged_by: { login: "maintainer" } });

    await s.moose.deliver("issues", issueClosedPayload(44));

    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "completed" });
    expect(s.github.refs.get(workOrder.branch!)).toBe(sha(0x44));
    // The late merge event then finds nothing left to do.
    await s.moose.deliver("pull_request", pullClosedPayload(pull, true));
    expect((await s.store.listDecisions(workOrder.id)).filter((d) => d.decision === "completed")).toHaveLength(1);
  });

  it("cancels and deletes the branch when the issue is closed while the PR is still open", async () => {
    const s = await loopScenario();
    const { workOrder } = await seedPrOpenWorkOrder(s, 45, sha(0x45));

    await s.moose.deliver("issues", issueClosedPayload(45));

    expect(await s.store.getWorkOrder(workOrder.id)).toMatchObject({ status: "cancelled" });
    expect(s.github.refs.has(workOrder.branch!)).toBe(false);
    expect(s.github.writes()).toContain(`DELETE /repos/octo-org/widgets/git/refs/heads/${workOrder.branch}`);
  });
});
