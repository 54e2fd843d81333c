// Owns one work order's proposal stage: reserve budget, call the model, settle, and retry up the escalation order.
import type { DecisionInput } from "../store/store.js";
import type { ProposalPrompt } from "../proposer/prompt.js";
import type { ProposalResult } from "../proposer/providers.js";
import { ProviderCallError } from "../proposer/providers.js";
import { actualCostUsd, estimateCallCostUsd, monthKey, reservationLimitUsd } from "./budget.js";
import type { BudgetLimits, NormalisedUsage } from "./budget.js";
import type { ModelCatalog, ModelEntry, Provider } from "./model-catalog.js";
import { nextModel, unknownPriceMessage } from "./routing.js";

/** The SQL functions of migration 0002, behind whatever adapter the store uses. */
export interface BudgetLedger {
  /** moose_reserve_budget: the reservation id, or null when the amount would pass `limitUsd`. */
  reserve(input: { month: string; workOrderId: string; amountUsd: number; limitUsd: number }): Promise<string | null>;
  settle(reservationId: string, actualUsd: number): Promise<void>;
  release(reservationId: string): Promise<void>;
}

/** One `cost_tracking` row. */
export interface ProposalCost {
  workOrderId: string;
  stage: "proposal";
  provider: Provider;
  model: string;
  usage: NormalisedUsage | null;
  costUsd: number;
  /** True when the cost is the reservation's upper bound because the real one could not be known. */
  costEstimated: boolean;
  latencyMs: number | null;
  requestId: string | null;
}

export interface ProposalRunDeps {
  ledger: BudgetLedger;
  /** proposeWith(clients, ...) in production. */
  call(model: ModelEntry, prompt: ProposalPrompt): Promise<ProposalResult>;
  recordCost(cost: ProposalCost): Promise<void>;
  recordDecision(decision: DecisionInput): Promise<unknown>;
  now(): Date;
}

export interface ProposalRunInput {
  workOrderId: string;
  catalog: ModelCatalog;
  /** The model routeWorkOrder picked. */
  model: ModelEntry;
  /** Builds the prompt for a model (its context_tokens is the budget). */
  buildPrompt(model: ModelEntry): ProposalPrompt;
  limits: BudgetLimits;
  /** A maintainer approved this work order past the hard limit, so it may spend up to the emergency limit. */
  approvedOverHardLimit: boolean;
  availableProviders: readonly Provider[];
}

export interface ProposalAttempt {
  model: string;
  outcome: "proposed" | "failed";
  reason: string;
}

export type ProposalRunResult =
  | { ok: true; model: ModelEntry; result: ProposalResult; costUsd: number; attempts: ProposalAttempt[] }
  | { ok: false; escalation: "budget" | "unknown_price" | "provider"; reason: string; attempts: ProposalAttempt[] };

const usd = (n: number): string => `$${n.toFixed(4)}`;

/**
 * Per attempt: estimate an upper bound from the prompt size and the output limit, reserve it atomically (stopping
 * when the month's limit would be passed), call, then settle at the real cost. An HTTP error reply bills nothing, so
 * its reservation is released; a timeout or dropped connection may have been billed, so it is settled at the bound.
 * A retryable failure moves to the next model up the escalation order; a fatal one, or running out, escalates.
 */
export async function runProposal(input: ProposalRunInput, deps: ProposalRunDeps): Promise<ProposalRunResult> {
  const attempts: ProposalAttempt[] = [];
  const decide = (decision: string, reason: string, details: Record<string, unknown> = {}) =>
    deps.recordDecision({ workOrderId: input.workOrderId, agent: "manager", decision, reason, details });
  const recordCost = (model: ModelEntry, costUsd: number, costEstimated: boolean, result: ProposalResult | null) =>
    deps.recordCost({
      workOrderId: input.workOrderId,
      stage: "proposal",
      provider: model.provider,
      model: model.id,
      usage: result?.usage ?? null,
      costUsd,
      costEstimated,
      latencyMs: result?.latencyMs ?? null,
      requestId: result?.requestId ?? null,
    });
  const fail = async (escalation: "budget" | "unknown_price" | "provider", reason: string): Promise<ProposalRunResult> => {
    await decide("escalate", reason, { escalation, attempts });
    return { ok: false, escalation, reason, attempts };
  };

  let model: ModelEntry | null = input.model;
  while (model) {
    const prompt = input.buildPrompt(model);
    const estimate = estimateCallCostUsd(model, prompt.estimatedTokens, model.max_output_tokens);
    if (estimate === null) return fail("unknown_price", unknownPriceMessage(model.id));
    const limitUsd = reservationLimitUsd(input.limits, input.approvedOverHardLimit);
    const reservationId = await deps.ledger.reserve({
      month: monthKey(deps.now()),
      workOrderId: input.workOrderId,
      amountUsd: estimate,
      limitUsd,
    });
    if (reservationId === null) {
      const needs = input.approvedOverHardLimit ? "the emergency limit stops all spending" : "a maintainer must `/moose approve` spending past it";
      return fail("budget", `a call to ${model.id} (up to ${usd(estimate)}) would pass this month's ${usd(limitUsd)} limit: ${needs}`);
    }

    try {
      const result = await deps.call(model, prompt);
      const actual = result.usage ? actualCostUsd(model, result.usage) : null;
      const costUsd = actual ?? estimate;
      await deps.ledger.settle(reservationId, costUsd);
      await recordCost(model, costUsd, actual === null, result);
      const note = actual === null ? " (usage or a price unknown: counted at the reserved upper bound)" : "";
      attempts.push({ model: model.id, outcome: "proposed", reason: `cost ${usd(costUsd)}${note}` });
      await decide("proposed", `${model.id} proposed for ${usd(costUsd)}${note}`, { model: model.id, costUsd, truncated: result.truncated });
      return { ok: true, model, result, costUsd, attempts };
    } catch (err) {
      const failure =
        err instanceof ProviderCallError
          ? err
          : new ProviderCallError("fatal", model.provider, model.id, null, `unexpected error: ${err instanceof Error ? err.message : String(err)}`, err);
      if (failure.status !== null) await deps.ledger.release(reservationId);
      else {
        await deps.ledger.settle(reservationId, estimate);
        await recordCost(model, estimate, true, null);
      }
      attempts.push({ model: model.id, outcome: "failed", reason: failure.message });
      if (failure.kind === "fatal") return fail("provider", failure.message);
      const tried = attempts.map((a) => a.model);
      const next: ModelEntry | null = nextModel(input.catalog, model.id, tried, { availableProviders: input.availableProviders, now: deps.now() });
      await decide(
        next ? "retry_next_model" : "no_model_left",
        next ? `${failure.message}; retrying with ${next.id}` : `${failure.message}; no untried model is left above ${model.id}`,
        { failedModel: model.id, nextModel: next?.id ?? null },
      );
      model = next;
    }
  }
  return fail("provider", `every model tried failed: ${attempts.map((a) => a.reason).join("; ")}`);
}
