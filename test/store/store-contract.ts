// The behaviour every Store adapter must show, run by each adapter's test file against a real database.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NewWorkOrder, Project, Store, WorkOrder } from "../../src/store/store.js";

export interface StoreUnderTest {
  store: Store;
  cleanup: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let repoIds = 1_000;

export function describeStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`${name} store contract`, () => {
    let subject: StoreUnderTest;
    let store: Store;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    async function project(): Promise<Project> {
      repoIds += 1;
      return store.upsertProject({
        installationId: 5_000_000_001,
        githubRepoId: 9_000_000_000 + repoIds,
        owner: "octo",
        repo: `repo-${repoIds}`,
        defaultBranch: "main",
      });
    }

    function newWorkOrder(projectId: string, issueNumber: number, extra: Partial<NewWorkOrder> = {}): NewWorkOrder {
      return {
        projectId,
        issueNumber,
        title: `Issue ${issueNumber}`,
        description: "Make it better",
        acceptanceCriteria: ["tests pass", "docs updated"],
        filesInScope: ["src/a.ts"],
        riskLevel: "low",
        dependsOn: [3, 4],
        status: "approved",
        ...extra,
      };
    }

    async function created(input: NewWorkOrder): Promise<WorkOrder> {
      return (await store.createWorkOrder(input)).workOrder;
    }

    function event(deliveryId: string) {
      return {
        deliveryId,
        name: "issues",
        action: "labeled",
        installationId: 5_000_000_001,
        repoFullName: "octo/repo",
        payload: { action: "labeled", issue: { number: 1 }, list: [1, 2] },
      };
    }

    it(`${name}: upserting a project is idempotent by repository id and keeps GitHub ids as numbers`, async () => {
      const first = await store.upsertProject({
        installationId: 5_000_000_001,
        githubRepoId: 4_000_000_123,
        owner: "octo",
        repo: "old-name",
        defaultBranch: "main",
      });
      const second = await store.upsertProject({
        installationId: 5_000_000_002,
        githubRepoId: 4_000_000_123,
        owner: "octo",
        repo: "new-name",
        defaultBranch: "trunk",
      });
      expect(second.id).toBe(first.id);
      expect(second).toMatchObject({
        installationId: 5_000_000_002,
        githubRepoId: 4_000_000_123,
        repo: "new-name",
        defaultBranch: "trunk",
        status: "active",
      });
      expect(second.createdAt).toBeInstanceOf(Date);
      expect(await store.getProject(first.id)).toEqual(second);
      expect(await store.getProject("00000000-0000-4000-8000-000000000000")).toBeNull();
    });

    it(`${name}: records an event once per delivery id`, async () => {
      expect(await store.recordEvent(event("d-1"))).toEqual({ inserted: true });
      expect(await store.recordEvent({ ...event("d-1"), name: "changed" })).toEqual({ inserted: false });
      const [claimed, ...rest] = await store.claimEvents("w1", 10, 60_000);
      expect(rest).toEqual([]);
      expect(claimed).toMatchObject({
        deliveryId: "d-1",
        name: "issues",
        action: "labeled",
        installationId: 5_000_000_001,
        repoFullName: "octo/repo",
        payload: event("d-1").payload,
        attempts: 1,
        processedAt: null,
        outcome: null,
      });
      expect(claimed?.receivedAt).toBeInstanceOf(Date);
    });

    it(`${name}: claimEvents leases oldest first, skips live leases and reclaims expired ones`, async () => {
      for (const id of ["e-1", "e-2", "e-3"]) await store.recordEvent(event(id));
      const first = await store.claimEvents("w1", 2, 60_000);
      expect(first.map((e) => e.deliveryId)).toEqual(["e-1", "e-2"]);
      // Events have no lease renewal, so e-3's lease is short but far longer than the next call; then wait it out.
      const second = await store.claimEvents("w2", 10, 1_000);
      expect(second.map((e) => e.deliveryId)).toEqual(["e-3"]);
      expect(await store.claimEvents("w3", 10, 60_000)).toEqual([]);
      let reclaimed: Awaited<ReturnType<Store["claimEvents"]>> = [];
      const deadline = Date.now() + 10_000;
      while (reclaimed.length === 0 && Date.now() < deadline) {
        await sleep(50);
        reclaimed = await store.claimEvents("w3", 10, 60_000);
      }
      expect(reclaimed.map((e) => [e.deliveryId, e.attempts])).toEqual([["e-3", 2]]);

      await store.completeEvent("e-1", "work order created");
      await store.completeEvent("e-2", "ignored: bot");
      await store.completeEvent("e-3", "ignored: not labelled");
      expect(await store.claimEvents("w4", 10, 1)).toEqual([]);
    });

    it(`${name}: concurrent claimers never receive the same event`, async () => {
      for (let i = 0; i < 6; i += 1) await store.recordEvent(event(`c-${i}`));
      const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => store.claimEvents(`w${i}`, 2, 60_000)));
      const ids = claims.flat().map((e) => e.deliveryId);
      expect(ids.sort()).toEqual(["c-0", "c-1", "c-2", "c-3", "c-4", "c-5"]);
    });

    it(`${name}: failEvent releases the event for a retry, then closes it after maxAttempts`, async () => {
      await store.recordEvent(event("f-1"));
      const [attempt1] = await store.claimEvents("w1", 1, 60_000);
      expect(attempt1?.attempts).toBe(1);
      await store.failEvent("f-1", "GitHub said 502", 2);
      const [attempt2] = await store.claimEvents("w2", 1, 60_000);
      expect(attempt2).toMatchObject({ deliveryId: "f-1", attempts: 2, processedAt: null });
      await store.failEvent("f-1", "GitHub said 502 again", 2);
      expect(await store.claimEvents("w3", 1, 60_000)).toEqual([]);
      expect(await store.recordEvent(event("f-1"))).toEqual({ inserted: false });
    });

    it(`${name}: failEvent with a retry delay keeps the event from being claimed until the delay has passed`, async () => {
      await store.recordEvent(event("f-2"));
      await store.claimEvents("w1", 1, 60_000);
      await store.failEvent("f-2", "work order busy", 5, 60_000);
      expect(await store.claimEvents("w2", 1, 60_000)).toEqual([]);
      await store.recordEvent(event("f-3"));
      await store.claimEvents("w1", 1, 60_000);
      await store.failEvent("f-3", "GitHub said 502", 5, 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await store.claimEvents("w2", 1, 60_000)).map((e) => e.deliveryId)).toEqual(["f-3"]);
    });

    it(`${name}: createWorkOrder stores every field and is idempotent while the issue has an active one`, async () => {
      const p = await project();
      const first = await store.createWorkOrder(newWorkOrder(p.id, 7, { metadata: { source: "label" } }));
      expect(first.created).toBe(true);
      expect(first.workOrder).toMatchObject({
        projectId: p.id,
        issueNumber: 7,
        title: "Issue 7",
        description: "Make it better",
        acceptanceCriteria: ["tests pass", "docs updated"],
        filesInScope: ["src/a.ts"],
        riskLevel: "low",
        dependsOn: [3, 4],
        status: "approved",
        attempt: 1,
        leaseOwner: null,
        leaseExpiresAt: null,
        branch: null,
        prNumber: null,
        prUrl: null,
        runId: null,
        trackingCommentId: null,
        metadata: { source: "label" },
      });
      expect(first.workOrder.createdAt).toBeInstanceOf(Date);
      expect(first.workOrder.updatedAt).toBeInstanceOf(Date);

      const again = await store.createWorkOrder(newWorkOrder(p.id, 7, { title: "Different" }));
      expect(again.created).toBe(false);
      expect(again.workOrder).toEqual(first.workOrder);
      expect(await store.getWorkOrder(first.workOrder.id)).toEqual(first.workOrder);
      expect(await store.findActiveWorkOrder(p.id, 7)).toEqual(first.workOrder);
      expect(await store.findActiveWorkOrder(p.id, 8)).toBeNull();
    });

    it(`${name}: ten concurrent creates for one issue create exactly one work order`, async () => {
      const p = await project();
      const results = await Promise.all(Array.from({ length: 10 }, () => store.createWorkOrder(newWorkOrder(p.id, 11))));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.workOrder.id)).size).toBe(1);
    });

    it(`${name}: a completed or cancelled work order lets the issue get a new one`, async () => {
      const p = await project();
      const first = await created(newWorkOrder(p.id, 12));
      expect(await store.transitionWorkOrder({ id: first.id, from: ["approved"], to: "cancelled" })).not.toBeNull();
      expect(await store.findActiveWorkOrder(p.id, 12)).toBeNull();
      const second = await store.createWorkOrder(newWorkOrder(p.id, 12, { status: "pending" }));
      expect(second.created).toBe(true);
      expect(second.workOrder.id).not.toBe(first.id);
      expect((await store.findLatestWorkOrder(p.id, 12))?.id).toBe(second.workOrder.id);
      await store.transitionWorkOrder({ id: second.workOrder.id, from: ["pending"], to: "completed" });
      const third = await store.createWorkOrder(newWorkOrder(p.id, 12));
      expect(third.created).toBe(true);
      expect((await store.findLatestWorkOrder(p.id, 12))?.id).toBe(third.workOrder.id);
      expect(await store.findLatestWorkOrder(p.id, 99)).toBeNull();
    });

    it(`${name}: transitionWorkOrder is a compare-and-set on status and lease`, async () => {
      const p = await project();
      const wo = await created(newWorkOrder(p.id, 13));
      expect(await store.transitionWorkOrder({ id: wo.id, from: ["pending"], to: "proposing" })).toBeNull();
      expect((await store.getWorkOrder(wo.id))?.status).toBe("approved");

      expect((await store.claimWorkOrder("worker-a", ["approved"], 60_000))?.id).toBe(wo.id);
      expect(
        await store.transitionWorkOrder({ id: wo.id, from: ["approved"], to: "proposing", leaseOwner: "worker-b" }),
      ).toBeNull();
      const moved = await store.transitionWorkOrder({
        id: wo.id,
        from: ["approved", "checks_failed"],
        to: "dispatching",
        leaseOwner: "worker-a",
        patch: { branch: "moose/wo-13", runId: 12_345_678_901, attempt: 2 },
      });
      expect(moved).toMatchObject({ status: "dispatching", branch: "moose/wo-13", runId: 12_345_678_901, attempt: 2 });
      expect(moved!.updatedAt.getTime()).toBeGreaterThanOrEqual(wo.updatedAt.getTime());
      expect(await store.transitionWorkOrder({ id: wo.id, from: [], to: "running" })).toBeNull();
    });

    it(`${name}: updateWorkOrder sets and clears fields, and merges metadata shallowly`, async () => {
      const p = await project();
      const wo = await created(newWorkOrder(p.id, 14, { metadata: { a: 1, nested: { x: 1 } } }));
      const updated = await store.updateWorkOrder(wo.id, {
        trackingCommentId: 3_000_000_000_123,
        prNumber: 42,
        prUrl: "https://github.com/octo/repo/pull/42",
        metadata: { b: "two", nested: { y: 2 } },
      });
      expect(updated).toMatchObject({
        status: "approved",
        trackingCommentId: 3_000_000_000_123,
        prNumber: 42,
        prUrl: "https://github.com/octo/repo/pull/42",
        metadata: { a: 1, b: "two", nested: { y: 2 } },
      });
      const cleared = await store.updateWorkOrder(wo.id, { prUrl: null, metadata: { a: null } });
      expect(cleared).toMatchObject({ prNumber: 42, prUrl: null, metadata: { a: null, b: "two", nested: { y: 2 } } });
      expect((await store.findWorkOrderByPr(p.id, 42))?.id).toBe(wo.id);
      expect(await store.findWorkOrderByPr(p.id, 43)).toBeNull();
      expect(await store.updateWorkOrder("00000000-0000-4000-8000-000000000000", { branch: "x" })).toBeNull();
    });

    it(`${name}: twenty concurrent claims over five work orders hand out five distinct ones`, async () => {
      const p = await project();
      for (let issue = 1; issue <= 5; issue += 1) await store.createWorkOrder(newWorkOrder(p.id, 100 + issue));
      await store.createWorkOrder(newWorkOrder(p.id, 200, { status: "pending" }));
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.claimWorkOrder(`worker-${i}`, ["approved"], 60_000)),
      );
      const won = claims.filter((c) => c !== null);
      expect(won).toHaveLength(5);
      expect(new Set(won.map((c) => c.id)).size).toBe(5);
      expect(new Set(won.map((c) => c.leaseOwner)).size).toBe(5);
      expect(won.every((c) => c.status === "approved" && c.leaseExpiresAt instanceof Date)).toBe(true);
    });

    it(`${name}: claimWorkOrder takes the longest-waiting first and respects lease expiry; renew and release`, async () => {
      const p = await project();
      const older = await created(newWorkOrder(p.id, 21));
      await sleep(5);
      const newer = await created(newWorkOrder(p.id, 22));

      const a = await store.claimWorkOrder("a", ["approved"], 60_000);
      expect(a).toMatchObject({ id: older.id, leaseOwner: "a" });
      expect((await store.claimWorkOrder("b", ["approved"], 60_000))?.id).toBe(newer.id);
      expect(await store.claimWorkOrder("c", ["approved"], 60_000)).toBeNull();

      expect(await store.renewLease(older.id, "b", 60_000)).toBe(false);
      // Expire a's lease: renew it to 1 ms, then let that pass.
      expect(await store.renewLease(older.id, "a", 1)).toBe(true);
      await sleep(20);
      expect(await store.renewLease(older.id, "a", 60_000)).toBe(false);
      expect((await store.claimWorkOrder("c", ["approved"], 60_000))?.id).toBe(older.id);
      expect(await store.renewLease(older.id, "c", 60_000)).toBe(true);

      await store.releaseLease(newer.id, "not-b");
      expect(await store.claimWorkOrder("d", ["approved"], 60_000)).toBeNull();
      await store.releaseLease(newer.id, "b");
      expect((await store.claimWorkOrder("d", ["approved"], 60_000))?.id).toBe(newer.id);
    });

    it(`${name}: acquireLease takes a free, expired or own lease on one work order whatever its status`, async () => {
      const p = await project();
      const wo = await created(newWorkOrder(p.id, 23, { status: "pending" }));
      expect((await store.acquireLease(wo.id, "a", 60_000))?.leaseOwner).toBe("a");
      expect(await store.acquireLease(wo.id, "b", 60_000)).toBeNull();
      expect((await store.acquireLease(wo.id, "a", 60_000))?.leaseOwner).toBe("a");
      expect(await store.acquireLease(wo.id, "b", 60_000)).toBeNull();
      // Expire a's lease: renew it to 1 ms, then let that pass.
      expect(await store.renewLease(wo.id, "a", 1)).toBe(true);
      await sleep(20);
      expect((await store.acquireLease(wo.id, "b", 60_000))?.leaseOwner).toBe("b");
    });

    it(`${name}: startWorkOrder moves approved to proposing within global and per-model capacity`, async () => {
      const p = await project();
      const orders: WorkOrder[] = [];
      for (let issue = 31; issue <= 34; issue += 1) {
        const wo = await created(newWorkOrder(p.id, issue));
        await store.acquireLease(wo.id, "w", 60_000);
        orders.push(wo);
      }
      const [w1, w2, w3, w4] = orders.map((wo) => wo.id) as [string, string, string, string];
      const start = (id: string, model: string, options: { owner?: string; globalLimit?: number; modelLimit?: number } = {}) =>
        store.startWorkOrder({
          id,
          owner: options.owner ?? "w",
          model,
          globalLimit: options.globalLimit ?? 3,
          ...(options.modelLimit !== undefined ? { modelLimit: options.modelLimit } : {}),
          patch: { metadata: { model } },
        });

      expect(await start(w1, "sonnet", { modelLimit: 1 })).toMatchObject({ id: w1, status: "proposing", metadata: { model: "sonnet" } });
      expect(await start(w2, "sonnet", { modelLimit: 1 })).toBe("capacity");
      expect(await start(w2, "mini", { owner: "someone-else" })).toBeNull();
      expect(await start(w2, "mini", { modelLimit: 1 })).toMatchObject({ status: "proposing" });
      expect(await start(w3, "haiku", { globalLimit: 2 })).toBe("capacity");
      expect(await start(w3, "haiku")).toMatchObject({ status: "proposing" });
      expect(await start(w4, "other")).toBe("capacity");
      // Once one leaves the in-flight stages there is room again.
      await store.transitionWorkOrder({ id: w1, from: ["proposing"], to: "escalated" });
      expect(await start(w4, "other")).toMatchObject({ status: "proposing" });
    });

    it(`${name}: decisions are recorded and listed in order`, async () => {
      const p = await project();
      const wo = await created(newWorkOrder(p.id, 41));
      const first = await store.recordDecision({
        workOrderId: wo.id,
        agent: "director",
        decision: "auto_approved",
        reason: "low risk",
        details: { risk: "low" },
      });
      expect(first).toMatchObject({ workOrderId: wo.id, agent: "director", details: { risk: "low" } });
      expect(first.createdAt).toBeInstanceOf(Date);
      await store.recordDecision({ workOrderId: wo.id, agent: "manager", decision: "routed", reason: "cheap" });
      await store.recordDecision({ workOrderId: null, agent: "orchestrator", decision: "sweep", reason: "timer" });
      const listed = await store.listDecisions(wo.id);
      expect(listed.map((d) => d.decision)).toEqual(["auto_approved", "routed"]);
      expect(listed[1]?.details).toEqual({});
    });

    it(`${name}: budget reservations, costs, escalations and outcomes round-trip`, async () => {
      const p = await project();
      const wo = await created(newWorkOrder(p.id, 51));

      const reservation = await store.reserveBudget({ month: "2026-11", workOrderId: wo.id, amountUsd: 0.75, limitUsd: 1 });
      expect(reservation).toEqual(expect.any(String));
      expect(await store.reserveBudget({ month: "2026-11", workOrderId: wo.id, amountUsd: 0.5, limitUsd: 1 })).toBeNull();
      expect(await store.monthSpend("2026-11")).toEqual({ spentUsd: 0, reservedUsd: 0.75 });
      await store.settleBudget(reservation!, 0.125);
      expect(await store.monthSpend("2026-11")).toEqual({ spentUsd: 0.125, reservedUsd: 0 });
      const second = await store.reserveBudget({ month: "2026-11", workOrderId: null, amountUsd: 0.5, limitUsd: 1 });
      await store.releaseBudget(second!);
      expect(await store.monthSpend("2026-11")).toEqual({ spentUsd: 0.125, reservedUsd: 0 });

      const cost = {
        workOrderId: wo.id,
        stage: "proposal" as const,
        provider: "anthropic",
        model: "claude-sonnet",
        inputTokens: 1200,
        outputTokens: 300,
        cacheReadTokens: 0,
        cacheWriteTokens: 50,
        costUsd: 0.012345,
        costEstimated: false,
        latencyMs: 2500,
        attempt: 1,
      };
      await store.recordCost(cost);
      const unknownPrice = {
        ...cost,
        inputTokens: null,
        outputTokens: null,
        cacheReadTokens: null,
        cacheWriteTokens: null,
        costUsd: null,
        latencyMs: null,
      };
      await store.recordCost(unknownPrice);
      expect(await store.listCosts(wo.id)).toEqual([cost, unknownPrice]);

      const escalation = await store.createEscalation({
        workOrderId: wo.id,
        type: "budget",
        severity: "critical",
        message: "Over budget",
        resolutionOptions: ["/moose retry", "/moose cancel"],
      });
      expect(escalation).toMatchObject({
        status: "open",
        resolvedBy: null,
        resolvedAt: null,
        resolutionOptions: ["/moose retry", "/moose cancel"],
      });
      await store.createEscalation({ workOrderId: wo.id, type: "routing", severity: "high", message: "No model", resolutionOptions: [] });
      expect((await store.listOpenEscalations(wo.id)).map((e) => e.type)).toEqual(["budget", "routing"]);
      expect(await store.resolveEscalations(wo.id, "octocat")).toBe(2);
      expect(await store.listOpenEscalations(wo.id)).toEqual([]);
      expect(await store.resolveEscalations(wo.id, "octocat")).toBe(0);

      const outcome = { workOrderId: wo.id, attempt: 1, model: "claude-sonnet", complexity: 0.42, success: false, costUsd: 0.5, durationMs: 60_000 };
      await store.recordOutcome(outcome);
      // Recording the same attempt again replaces it rather than failing.
      await store.recordOutcome({ ...outcome, success: true, details: { retried: true } });
    });

    it(`${name}: findWorkOrderByBranch returns the project's newest work order on that branch`, async () => {
      const p = await project();
      const other = await project();
      const first = await created(newWorkOrder(p.id, 61));
      await store.updateWorkOrder(first.id, { branch: "feature/wo-1-a" });
      await store.transitionWorkOrder({ id: first.id, from: ["approved"], to: "cancelled" });
      const second = await created(newWorkOrder(p.id, 61));
      await store.updateWorkOrder(second.id, { branch: "feature/wo-1-a" });
      const elsewhere = await created(newWorkOrder(other.id, 61));
      await store.updateWorkOrder(elsewhere.id, { branch: "feature/wo-1-a" });

      expect((await store.findWorkOrderByBranch(p.id, "feature/wo-1-a"))?.id).toBe(second.id);
      expect((await store.findWorkOrderByBranch(other.id, "feature/wo-1-a"))?.id).toBe(elsewhere.id);
      expect(await store.findWorkOrderByBranch(p.id, "feature/wo-1")).toBeNull();
    });

    it(`${name}: listWorkOrdersInStatus spans projects, least recently updated first, up to the limit`, async () => {
      const p = await project();
      const other = await project();
      const a = await created(newWorkOrder(p.id, 71));
      await sleep(2);
      const b = await created(newWorkOrder(other.id, 72));
      await sleep(2);
      const c = await created(newWorkOrder(p.id, 73, { status: "awaiting_approval" }));
      await sleep(2);
      await store.updateWorkOrder(a.id, { metadata: { touched: true } });
      const d = await created(newWorkOrder(p.id, 74));
      await store.transitionWorkOrder({ id: d.id, from: ["approved"], to: "completed" });

      const ids = async (statuses: Parameters<Store["listWorkOrdersInStatus"]>[0], limit: number) =>
        (await store.listWorkOrdersInStatus(statuses, limit)).map((wo) => wo.id);
      expect(await ids(["approved"], 10)).toEqual([b.id, a.id]);
      expect(await ids(["approved", "awaiting_approval"], 2)).toEqual([b.id, c.id]);
      expect(await ids(["running", "pr_open"], 10)).toEqual([]);
      expect(await ids(["completed"], 10)).toEqual([d.id]);
      expect((await store.listWorkOrdersInStatus(["approved"], 10))[0]).toEqual(await store.getWorkOrder(b.id));
      await expect(store.listWorkOrdersInStatus(["approved"], 0)).rejects.toThrow(/limit/);
    });

    it(`${name}: listProjects lists every active project, oldest first`, async () => {
      const first = await project();
      await sleep(2);
      const second = await project();
      const listed = await store.listProjects();
      expect(listed.map((p) => p.id)).toEqual([first.id, second.id]);
      expect(listed[0]).toEqual(await store.getProject(first.id));
    });
  });
}
