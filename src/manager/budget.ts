// Owns the budget arithmetic: monthly tiers, what a call may cost before it runs, and what it did cost after.
import type { ModelEntry, ModelPrices } from "./model-catalog.js";

/** Monthly limits in USD, as `src/config/env.ts` reads them (soft ≤ hard ≤ emergency). */
export interface BudgetLimits {
  softUsd: number;
  hardUsd: number;
  emergencyUsd: number;
}

export const DEFAULT_BUDGET_LIMITS: BudgetLimits = { softUsd: 20, hardUsd: 50, emergencyUsd: 100 };

/**
 * normal: anything goes. soft: warn and downgrade to the cheapest suitable model. hard: no new work order starts
 * without `/moose approve`. emergency: nothing is spent at all.
 */
export type BudgetTier = "normal" | "soft" | "hard" | "emergency";

/**
 * Token counts with every token in exactly one bucket, whatever the provider reported: Anthropic's `input_tokens`
 * already excludes cache reads and writes, OpenAI's `prompt_tokens` includes them (see proposer/providers.ts).
 */
export interface NormalisedUsage {
  /** Uncached input tokens. */
  inputTokens: number;
  cacheReadTokens: number;
  /** Short-lived cache writes (Anthropic 5 min, OpenAI 30 min, or unspecified). */
  cacheWriteTokens: number;
  /** Long-lived cache writes (Anthropic 1 h, OpenAI 12 h). */
  cacheWriteLongTokens: number;
  /** Output including thinking/reasoning tokens, which both providers bill as output. */
  outputTokens: number;
}

/** Reserved money counts as spent: a tier is reached as soon as running calls could reach it. */
export function budgetTier(spentUsd: number, reservedUsd: number, limits: BudgetLimits): BudgetTier {
  const committed = spentUsd + reservedUsd;
  if (committed >= limits.emergencyUsd) return "emergency";
  if (committed >= limits.hardUsd) return "hard";
  if (committed >= limits.softUsd) return "soft";
  return "normal";
}

/**
 * The ceiling passed to `moose_reserve_budget`: calls for a work order a maintainer approved past the hard limit may
 * spend up to the emergency limit; all others stop at the hard limit (and then need `/moose approve`).
 */
export function reservationLimitUsd(limits: BudgetLimits, approvedOverHardLimit: boolean): number {
  return approvedOverHardLimit ? limits.emergencyUsd : limits.hardUsd;
}

/** The calendar month a cost belongs to, in UTC: "YYYY-MM". */
export function monthKey(date: Date): string {
  return date.toISOString().slice(0, 7);
}

/** The rates that apply to a request whose whole prompt is `promptTokens` long. */
export function pricesFor(model: ModelEntry, promptTokens: number): ModelPrices {
  const tier = model.long_context;
  return tier && promptTokens > tier.above_prompt_tokens ? tier : model;
}

const PER_TOKEN = 1 / 1_000_000;
const MICRO = 1_000_000;

/**
 * An upper bound on a call's cost, reserved before the call: every prompt token at the dearest input rate (plain
 * input, or a cache write where that costs more) and the full `maxOutputTokens` at the output rate.
 * Returns null when a needed price is unknown: the caller must refuse the call, never count it as $0.
 */
export function estimateCallCostUsd(model: ModelEntry, promptTokens: number, maxOutputTokens: number): number | null {
  const prices = pricesFor(model, promptTokens);
  if (prices.input_per_mtok === null || prices.output_per_mtok === null) return null;
  const inputRate = Math.max(prices.input_per_mtok, prices.cache_write_per_mtok ?? 0, prices.cache_write_long_per_mtok ?? 0);
  const usd = (promptTokens * inputRate + maxOutputTokens * prices.output_per_mtok) * PER_TOKEN;
  return Math.ceil(usd * MICRO) / MICRO;
}

/** What a call cost, from its normalised usage; null when tokens were used in a bucket whose price is unknown. */
export function actualCostUsd(model: ModelEntry, usage: NormalisedUsage): number | null {
  const promptTokens = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens + usage.cacheWriteLongTokens;
  const prices = pricesFor(model, promptTokens);
  const buckets: Array<[number, number | null]> = [
    [usage.inputTokens, prices.input_per_mtok],
    [usage.cacheReadTokens, prices.cache_read_per_mtok],
    [usage.cacheWriteTokens, prices.cache_write_per_mtok],
    [usage.cacheWriteLongTokens, prices.cache_write_long_per_mtok],
    [usage.outputTokens, prices.output_per_mtok],
  ];
  let usd = 0;
  for (const [tokens, rate] of buckets) {
    if (tokens === 0) continue;
    if (rate === null) return null;
    usd += tokens * rate * PER_TOKEN;
  }
  return Math.round(usd * MICRO) / MICRO;
}
