// The proposal stage against the real store's budget ledger (PGlite) with scripted provider calls.
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_BUDGET_LIMITS } from "../../src/manager/budget.js";
import { findModel, loadModelCatalog } from "../../src/manager/model-catalog.js";
import type { ModelEntry } from "../../src/manager/model-catalog.js";
import { runProposal } from "../../src/manager/proposal-run.js";
import type { ProposalCost, ProposalRunInput } from "../../src/manager/proposal-run.js";
import { buildProposalPrompt } from "../../src/proposer/prompt.js";
import { ProviderCallError } from "../../src/proposer/providers.js";
import type { ProposalResult } from "../../src/proposer/providers.js";
import type { DecisionInput } from "../../src/store/store.js";
import { type BudgetDb, createTestWorkOrder, migratedPgliteTemplate, openPgliteBudgetDb } from "./budget-db.js";

const NOW = new Date("2026-11-20T12:00:00Z");
const catalog = loadModelCatalog(undefined, { now: NOW });
const get = (id: string): ModelEntry => {
  const m = findModel(catalog, id);
  if (!m) throw new Error(`no ${id}`);
  return m;
};

const ok = (model: string): ProposalResult => ({
  text: "PLAN: 1. edit",
  usage: { inputTokens: 2000, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWriteLongTokens: 0, outputTokens: 500 },
  latencyMs: 1234,
  model,
  requestId: "req_1",
  truncated: false,
});

let template: PGlite;
let db: BudgetDb;
let workOrderId: string;
let costs: ProposalCost[];
let decisions: DecisionInput[];
let calls: string[];

beforeAll(async () => {
  template = await migratedPgliteTemplate();
});
afterAll(async () => {
  await template.close();
});
beforeEach(async () => {
  db = await openPgliteBudgetDb(template);
  workOrderId = await createTestWorkOrder(db.store);
  costs = [];
  decisions = [];
  calls = [];
});
afterEach(async () => {
  await db.close();
});

async function run(script: Array<ProposalResult | Error>, over: Partial<ProposalRunInput> = {}) {
  return runProposal(
    {
      workOrderId,
      catalog,
      model: get("claude-sonnet-5-5"),
      buildPrompt: (model) =>
        buildProposalPrompt({
          workOrder: { title: "t", description: "d", acceptanceCriteria: ["c"], filesInScope: ["a.ts"], riskLevel: "low" },
          files: [{ path: "a.ts", content: "x".repeat(3000) }],
          tokenBudget: model.context_tokens,
        }),
      limits: DEFAULT_BUDGET_LIMITS,
      approvedOverHardLimit: false,
      availableProviders: ["anthropic", "openai"],
      ...over,
    },
    {
      ledger: {
        reserve: (input) => db.store.reserveBudget(input),
        settle: (id, actual) => db.store.settleBudget(id, actual),
        release: (id) => db.store.releaseBudget(id),
      },
      call: async (model) => {
        calls.push(model.id);
        const next = script.shift();
        if (!next) throw new Error("script exhausted");
        if (next instanceof Error) throw next;
        return next;
      },
      recordCost: async (c) => void costs.push(c),
      recordDecision: async (d) => void decisions.push(d),
      now: () => NOW,
    },
  );
}

const monthSpend = async () => {
  const { spentUsd, reservedUsd } = await db.store.monthSpend("2026-11");
  return { spent: spentUsd, reserved: reservedUsd };
};

describe("runProposal", () => {
  it("reserves, calls, settles at the real cost and records it", async () => {
    const outcome = await run([ok("claude-sonnet-5-5")]);
    expect(outcome).toMatchObject({ ok: true, costUsd: 0.009 }); // 2000·2 + 500·10 per million
    expect(await monthSpend()).toEqual({ spent: 0.009, reserved: 0 });
    expect(costs).toEqual([
      expect.objectContaining({ workOrderId, model: "claude-sonnet-5-5", provider: "anthropic", costUsd: 0.009, costEstimated: false }),
    ]);
    expect(decisions.map((d) => d.decision)).toEqual(["proposed"]);
  });

  it("releases after an HTTP error and retries with the next model up", async () => {
    const overloaded = new ProviderCallError("next-model", "anthropic", "claude-sonnet-5-5", 529, "overloaded (529)");
    const outcome = await run([overloaded, ok("gpt-6.2-sol")]);
    expect(calls).toEqual(["claude-sonnet-5-5", "gpt-6.2-sol"]);
    expect(outcome).toMatchObject({ ok: true, model: { id: "gpt-6.2-sol" } });
    expect(await monthSpend()).toEqual({ spent: 0.009, reserved: 0 });
    expect(decisions[0]).toMatchObject({ agent: "manager", decision: "retry_next_model" });
    expect(decisions[0]?.reason).toContain("retrying with gpt-6.2-sol");
  });

  it("counts a timed-out call at its reserved upper bound, since it may have been billed", async () => {
    const timeout = new ProviderCallError("next-model", "anthropic", "claude-sonnet-5-5", null, "timed out");
    await run([timeout, ok("gpt-6.2-sol")]);
    expect(costs[0]).toMatchObject({ model: "claude-sonnet-5-5", costEstimated: true });
    expect(costs[0]!.costUsd).toBeGreaterThan(0.08); // the whole 8000-token output allowance at $10/Mtok
    expect((await monthSpend()).spent).toBeCloseTo(costs[0]!.costUsd + 0.009, 6);
  });

  it("escalates a fatal error without trying other models", async () => {
    const auth = new ProviderCallError("fatal", "anthropic", "claude-sonnet-5-5", 401, "authentication failed (401)");
    const outcome = await run([auth]);
    expect(outcome).toMatchObject({ ok: false, escalation: "provider" });
    expect(calls).toEqual(["claude-sonnet-5-5"]);
    expect(await monthSpend()).toEqual({ spent: 0, reserved: 0 });
  });

  it("escalates when every model up the order has failed", async () => {
    const down = (m: string) => new ProviderCallError("next-model", "anthropic", m, 503, "server error (503)");
    const outcome = await run([down("a"), down("b"), down("c"), down("d")], { availableProviders: ["anthropic", "openai"] });
    expect(calls).toEqual(["claude-sonnet-5-5", "gpt-6.2-sol", "claude-opus-5-5", "gpt-6-astra"]);
    expect(outcome).toMatchObject({ ok: false, escalation: "provider" });
    expect(decisions.at(-2)?.decision).toBe("no_model_left");
  });

  it("stops before calling when the reservation would pass the hard limit", async () => {
    await db.store.reserveBudget({ month: "2026-11", workOrderId: null, amountUsd: 49.95, limitUsd: 1000 });
    const outcome = await run([ok("claude-sonnet-5-5")]);
    expect(calls).toEqual([]);
    expect(outcome).toMatchObject({ ok: false, escalation: "budget" });
    expect(!outcome.ok && outcome.reason).toMatch(/would pass this month's \$50\.0000 limit: a maintainer must `\/moose approve`/);
  });

  it("lets an approved work order spend up to the emergency limit", async () => {
    await db.store.reserveBudget({ month: "2026-11", workOrderId: null, amountUsd: 49.95, limitUsd: 1000 });
    const outcome = await run([ok("claude-sonnet-5-5")], { approvedOverHardLimit: true });
    expect(outcome.ok).toBe(true);
  });
});
