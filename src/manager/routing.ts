// Owns the Manager's model choice: complexity band, hard stops, budget tier and the retry order, with the reason why.
import type { BudgetTier } from "./budget.js";
import { findModel, hasKnownPrice, isRetired, PROVIDERS } from "./model-catalog.js";
import type { ModelCatalog, ModelEntry, Provider } from "./model-catalog.js";

export interface RouteInput {
  /** From scoreComplexity; clamped to [0, 1]. */
  complexity: number;
  /** Hard-stop keywords found in the work order; any forces the strongest model and a maintainer's approval. */
  hardStop: readonly string[];
  budgetTier: BudgetTier;
  catalog: ModelCatalog;
  /** Models already tried for this work order (the retry strategy moves past them). */
  excludeModels?: readonly string[];
  /** A model a maintainer asked for; it wins over the table but never over the emergency tier or an unknown price. */
  requestedModel?: string;
  /** Providers with credentials configured; models of other providers are skipped. Default: all. */
  availableProviders?: readonly Provider[];
  /** A maintainer already approved this work order (`/moose approve`), so no further approval is asked. */
  maintainerApproved?: boolean;
  now?: Date;
}

export type RouteDecision =
  | { model: ModelEntry; reason: string; requiresApproval: boolean }
  | { model: null; reason: string; requiresApproval: boolean; refused: string };

interface Availability {
  excluded: ReadonlySet<string>;
  providers: readonly Provider[];
  now: Date;
}

export function unknownPriceMessage(modelId: string): string {
  return `unknown price for model ${modelId}: set its prices in MOOSE_MODELS_FILE`;
}

/** Why the model cannot be picked by a walk through the escalation order, or null when it can. */
function unsuitableBecause(model: ModelEntry, a: Availability): string | null {
  if (isRetired(model, a.now)) return "retired";
  if (a.excluded.has(model.id)) return "already tried";
  if (!a.providers.includes(model.provider)) return `provider ${model.provider} not configured`;
  if (!hasKnownPrice(model)) return "unknown price";
  return null;
}

/** The first suitable model in `ids`, and the reasons the earlier ones were passed over. */
function firstSuitable(catalog: ModelCatalog, ids: readonly string[], a: Availability): { model: ModelEntry | null; skipped: string[] } {
  const skipped: string[] = [];
  for (const id of ids) {
    const model = findModel(catalog, id);
    if (!model) continue;
    const why = unsuitableBecause(model, a);
    if (why === null) return { model, skipped };
    skipped.push(`${id} (${why})`);
  }
  return { model: null, skipped };
}

const skippedNote = (skipped: readonly string[]): string => (skipped.length ? `; skipped ${skipped.join(", ")}` : "");

function refuse(reason: string, requiresApproval: boolean): RouteDecision {
  return { model: null, reason, requiresApproval, refused: reason };
}

function pickRequested(id: string, input: RouteInput, a: Availability): { model: ModelEntry; why: string } | { refused: string } {
  const model = findModel(input.catalog, id);
  if (!model) return { refused: `requested model ${id} is not in the model catalogue` };
  if (isRetired(model, a.now)) return { refused: `requested model ${id} is retired` };
  if (!a.providers.includes(model.provider)) return { refused: `requested model ${id} needs provider ${model.provider}, which is not configured` };
  if (!hasKnownPrice(model)) return { refused: unknownPriceMessage(id) };
  return { model, why: `model ${id} requested by a maintainer` };
}

function pickByBand(input: RouteInput, a: Availability): { model: ModelEntry; why: string } | { refused: string } {
  const complexity = Math.min(1, Math.max(0, input.complexity));
  const { catalog } = input;
  const band = catalog.routing.find((b) => complexity <= b.max_complexity) ?? catalog.routing[catalog.routing.length - 1];
  if (!band) return { refused: "the routing table is empty" };
  const bandModel = findModel(catalog, band.model);
  const why = `complexity ${complexity} is in the band up to ${band.max_complexity} (${band.model})`;
  if (bandModel && unsuitableBecause(bandModel, a) === "unknown price") return { refused: unknownPriceMessage(band.model) };
  // An unusable band model gives way to the next stronger one, and only failing that to a weaker one.
  const at = Math.max(0, catalog.escalation.indexOf(band.model));
  const upward = catalog.escalation.slice(at);
  const downward = catalog.escalation.slice(0, at).reverse();
  const { model, skipped } = firstSuitable(catalog, [...upward, ...downward], a);
  if (!model) return { refused: `no usable model for ${why}${skippedNote(skipped)}` };
  return { model, why: `${why}${model.id === band.model ? "" : ` → ${model.id}`}${skippedNote(skipped)}` };
}

/**
 * Picks the model for a proposal. Order of precedence: emergency tier (refuse) → a maintainer's requested model →
 * hard stop (strongest suitable model, approval) → soft tier (cheapest suitable model, warning) → the complexity band.
 * The hard tier adds a required approval to whatever was picked. A model with an unknown price is refused, never
 * priced at $0.
 */
export function routeWorkOrder(input: RouteInput): RouteDecision {
  const a: Availability = {
    excluded: new Set(input.excludeModels ?? []),
    providers: input.availableProviders ?? PROVIDERS,
    now: input.now ?? new Date(),
  };
  const approved = input.maintainerApproved === true;
  const needsApproval = !approved && (input.hardStop.length > 0 || input.budgetTier === "hard");
  if (input.budgetTier === "emergency") {
    return refuse("emergency budget limit reached: nothing is spent until the month ends or the limit is raised", needsApproval);
  }

  const notes: string[] = [];
  let picked: { model: ModelEntry; why: string } | { refused: string };
  if (input.requestedModel !== undefined) {
    picked = pickRequested(input.requestedModel, input, a);
  } else if (input.hardStop.length > 0) {
    const { model, skipped } = firstSuitable(input.catalog, [...input.catalog.escalation].reverse(), a);
    picked = model
      ? { model, why: `hard-stop keywords (${input.hardStop.join(", ")}) force the strongest model${skippedNote(skipped)}` }
      : { refused: `hard-stop keywords (${input.hardStop.join(", ")}) need the strongest model, but none is usable${skippedNote(skipped)}` };
  } else if (input.budgetTier === "soft") {
    const { model, skipped } = firstSuitable(input.catalog, input.catalog.escalation, a);
    picked = model
      ? { model, why: `soft budget limit reached: warning, downgraded to the cheapest suitable model${skippedNote(skipped)}` }
      : { refused: `soft budget limit reached and no model is usable${skippedNote(skipped)}` };
  } else {
    picked = pickByBand(input, a);
  }
  if ("refused" in picked) return refuse(picked.refused, needsApproval);

  if (input.budgetTier === "soft" && (input.requestedModel !== undefined || input.hardStop.length > 0)) {
    notes.push("warning: soft budget limit reached");
  }
  if (input.budgetTier === "hard") notes.push(approved ? "hard budget limit reached; approved by a maintainer" : "hard budget limit reached: needs /moose approve");
  if (input.hardStop.length > 0) notes.push(approved ? "hard stop approved by a maintainer" : "hard stop: needs /moose approve");
  const reason = [`${picked.model.id}: ${picked.why}`, ...notes].join("; ");
  return { model: picked.model, reason, requiresApproval: needsApproval };
}

/**
 * The retry strategy: the next suitable model above `currentId` in the escalation order that has not been tried.
 * Null when there is none (the caller escalates to a human).
 */
export function nextModel(
  catalog: ModelCatalog,
  currentId: string,
  tried: readonly string[],
  options: { availableProviders?: readonly Provider[]; now?: Date } = {},
): ModelEntry | null {
  const a: Availability = {
    excluded: new Set([...tried, currentId]),
    providers: options.availableProviders ?? PROVIDERS,
    now: options.now ?? new Date(),
  };
  const above = catalog.escalation.slice(catalog.escalation.indexOf(currentId) + 1);
  return firstSuitable(catalog, above, a).model;
}
