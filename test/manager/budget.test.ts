import { describe, expect, it } from "vitest";
import {
  actualCostUsd,
  budgetTier,
  DEFAULT_BUDGET_LIMITS,
  estimateCallCostUsd,
  monthKey,
  reservationLimitUsd,
} from "../../src/manager/budget.js";
import { findModel, loadModelCatalog } from "../../src/manager/model-catalog.js";
import type { ModelEntry } from "../../src/manager/model-catalog.js";

const bundled = loadModelCatalog(undefined, { now: new Date("2026-11-20T00:00:00Z") });
const get = (id: string): ModelEntry => {
  const m = findModel(bundled, id);
  if (!m) throw new Error(`bundled catalogue lacks ${id}`);
  return m;
};
const usage = (over: Partial<Parameters<typeof actualCostUsd>[1]> = {}) => ({
  inputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  cacheWriteLongTokens: 0,
  outputTokens: 0,
  ...over,
});

describe("budgetTier", () => {
  it("counts reserved money as spent and switches tier at each limit", () => {
    expect(budgetTier(0, 0, DEFAULT_BUDGET_LIMITS)).toBe("normal");
    expect(budgetTier(19.99, 0, DEFAULT_BUDGET_LIMITS)).toBe("normal");
    expect(budgetTier(15, 5, DEFAULT_BUDGET_LIMITS)).toBe("soft");
    expect(budgetTier(49, 1, DEFAULT_BUDGET_LIMITS)).toBe("hard");
    expect(budgetTier(99.5, 0.5, DEFAULT_BUDGET_LIMITS)).toBe("emergency");
  });

  it("uses the hard limit as the reservation ceiling unless a maintainer approved going past it", () => {
    expect(reservationLimitUsd(DEFAULT_BUDGET_LIMITS, false)).toBe(50);
    expect(reservationLimitUsd(DEFAULT_BUDGET_LIMITS, true)).toBe(100);
  });
});

describe("monthKey", () => {
  it("is the UTC calendar month", () => {
    expect(monthKey(new Date("2026-11-30T23:59:59Z"))).toBe("2026-11");
    expect(monthKey(new Date("2026-12-01T00:30:00+02:00"))).toBe("2026-11");
    expect(monthKey(new Date("2027-01-01T00:00:00Z"))).toBe("2027-01");
  });
});

describe("estimateCallCostUsd", () => {
  it("prices every prompt token at the dearest input rate and the whole output allowance", () => {
    // Sonnet 5.5: 1-hour cache writes (4) cost more than input (2) and 5-minute writes (2.50); output 10.
    expect(estimateCallCostUsd(get("claude-sonnet-5-5"), 10_000, 8_000)).toBeCloseTo(0.04 + 0.08, 9);
    // gpt-6-sol: cache write 2.50, output 10.
    expect(estimateCallCostUsd(get("gpt-6-sol"), 1_000_000, 0)).toBe(2.5);
  });

  it("switches to the long-context rates above the model's threshold", () => {
    const haiku = get("claude-haiku-5-5");
    expect(estimateCallCostUsd(haiku, 100_000, 0)).toBeCloseTo(0.02, 9); // 0.20 (1 h write) per Mtok
    expect(estimateCallCostUsd(haiku, 100_001, 0)).toBeCloseTo(100_001 * 1.0 / 1e6, 9);
  });

  it("is null, never $0, when a price is unknown", () => {
    expect(estimateCallCostUsd(get("claude-mythos-5-2"), 1000, 1000)).toBeNull();
  });
});

describe("actualCostUsd", () => {
  it("prices each bucket at its own rate (Anthropic Opus 5.5)", () => {
    const cost = actualCostUsd(
      get("claude-opus-5-5"),
      usage({ inputTokens: 1000, cacheReadTokens: 10_000, cacheWriteTokens: 2000, cacheWriteLongTokens: 1000, outputTokens: 500 }),
    );
    // 1000·4 + 10000·0.2 + 2000·5 + 1000·8 + 500·20 = 34 000 per million
    expect(cost).toBe(0.034);
  });

  it("is null when tokens landed in a bucket without a price", () => {
    const astra = get("gpt-6-astra");
    expect(actualCostUsd(astra, usage({ inputTokens: 10, cacheWriteLongTokens: 5 }))).toBeNull();
    expect(actualCostUsd(astra, usage({ inputTokens: 10, outputTokens: 5 }))).toBeCloseTo((10 * 10 + 5 * 50) / 1e6, 12);
  });

  it("applies the long-context rates by the whole prompt, cached tokens included", () => {
    const haiku = get("claude-haiku-5-5");
    const cost = actualCostUsd(haiku, usage({ inputTokens: 1000, cacheReadTokens: 100_000, outputTokens: 1000 }));
    expect(cost).toBeCloseTo((1000 * 0.5 + 100_000 * 0.05 + 1000 * 2.5) / 1e6, 12);
  });
});
