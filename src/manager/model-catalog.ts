// Owns the model catalogue: every model id Moose may call, its prices, the complexity routing table and the escalation order.
import { z } from "zod";
import defaultCatalogJson from "./models.json" with { type: "json" };

export const PROVIDERS = ["anthropic", "openai", "openai-compatible"] as const;
export type Provider = (typeof PROVIDERS)[number];

/** USD per million tokens; `null` means "unknown", which Moose refuses to spend on (never treated as $0). */
const pricePerMtok = z.number().nonnegative().finite().nullable();
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date written YYYY-MM-DD");

const priceFields = {
  input_per_mtok: pricePerMtok,
  output_per_mtok: pricePerMtok,
  cache_read_per_mtok: pricePerMtok,
  /** Short-lived cache writes (Anthropic 5 min, OpenAI 30 min). */
  cache_write_per_mtok: pricePerMtok,
  /** Long-lived cache writes (Anthropic 1 h, OpenAI 12 h); absent means unknown. */
  cache_write_long_per_mtok: pricePerMtok.default(null),
};

const modelSchema = z.strictObject({
  id: z.string().min(1, "must not be empty"),
  provider: z.enum(PROVIDERS),
  /** The model name Aider (litellm) takes on the runner, e.g. `anthropic/claude-sonnet-5-5`. */
  aider_model: z.string().min(1, "must not be empty"),
  ...priceFields,
  /** Some models bill the whole request at other rates once the prompt passes a size (Haiku 5.5, GPT-6 family). */
  long_context: z
    .strictObject({ above_prompt_tokens: z.number().int().positive(), ...priceFields })
    .optional(),
  /** The most output Moose asks of this model in one proposal call. */
  max_output_tokens: z.number().int().positive(),
  /** The most prompt tokens Moose sends this model (a budget Moose chooses, at most the model's window). */
  context_tokens: z.number().int().positive(),
  /** Work orders in flight on this model at once, across every instance; absent means only the global limit. */
  max_concurrency: z.number().int().positive().optional(),
  retired: z.boolean().default(false),
  /** From this UTC date on the model counts as retired without anyone editing the file. */
  retires_on: isoDate.optional(),
  source: z.string().optional(),
});

const catalogSchema = z.strictObject({
  as_of: isoDate,
  source: z.string().optional(),
  models: z.array(modelSchema).min(1, "must list at least one model"),
  routing: z
    .array(z.strictObject({ max_complexity: z.number().min(0).max(1), model: z.string().min(1) }))
    .min(1, "must have at least one band"),
  /** Cheapest to strongest; retries walk up it and the soft budget tier picks from its bottom. */
  escalation: z.array(z.string().min(1)).min(1, "must list at least one model"),
});

export type ModelEntry = z.infer<typeof modelSchema>;
export type ModelCatalog = z.infer<typeof catalogSchema>;
export type ModelPrices = Pick<
  ModelEntry,
  "input_per_mtok" | "output_per_mtok" | "cache_read_per_mtok" | "cache_write_per_mtok" | "cache_write_long_per_mtok"
>;

export class ModelCatalogError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid model catalogue (MOOSE_MODELS_FILE or src/manager/models.json):\n${problems.map((p) => `- ${p}`).join("\n")}`);
    this.name = "ModelCatalogError";
    this.problems = problems;
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) out += typeof key === "number" ? `[${key}]` : `${out ? "." : ""}${String(key)}`;
  return out || "(root)";
}

export function isRetired(model: ModelEntry, now: Date): boolean {
  return model.retired || (model.retires_on !== undefined && model.retires_on <= now.toISOString().slice(0, 10));
}

/** Input and output prices known: the minimum for a cost estimate, so the minimum for Moose to call the model. */
export function hasKnownPrice(model: ModelEntry): boolean {
  return model.input_per_mtok !== null && model.output_per_mtok !== null;
}

export function findModel(catalog: ModelCatalog, id: string): ModelEntry | undefined {
  return catalog.models.find((m) => m.id === id);
}

function crossCheck(catalog: ModelCatalog, now: Date): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  catalog.models.forEach((m, i) => {
    if (ids.has(m.id)) problems.push(`models[${i}].id: duplicate model id "${m.id}"`);
    ids.add(m.id);
  });
  catalog.routing.forEach((band, i) => {
    if (!ids.has(band.model)) problems.push(`routing[${i}].model: unknown model "${band.model}" (not in models)`);
    else if (!catalog.escalation.includes(band.model)) {
      problems.push(`routing[${i}].model: "${band.model}" must also appear in escalation so retries can move past it`);
    }
    const previous = catalog.routing[i - 1];
    if (previous && band.max_complexity <= previous.max_complexity) {
      problems.push(
        `routing[${i}].max_complexity: bands must ascend (${band.max_complexity} is not above ${previous.max_complexity})`,
      );
    }
  });
  const last = catalog.routing[catalog.routing.length - 1];
  if (last && last.max_complexity !== 1) {
    problems.push(`routing[${catalog.routing.length - 1}].max_complexity: the last band must end at 1, got ${last.max_complexity}`);
  }
  const seen = new Set<string>();
  catalog.escalation.forEach((id, i) => {
    if (!ids.has(id)) problems.push(`escalation[${i}]: unknown model "${id}" (not in models)`);
    if (seen.has(id)) problems.push(`escalation[${i}]: "${id}" is listed twice`);
    seen.add(id);
  });
  const routed = catalog.routing.map((b) => findModel(catalog, b.model)).filter((m) => m !== undefined);
  if (routed.length > 0 && routed.every((m) => isRetired(m, now))) {
    problems.push(
      `routing: every routed model is retired (${routed.map((m) => m.id).join(", ")}); route at least one band to a current model`,
    );
  }
  return problems;
}

/**
 * Validates a catalogue: the operator's parsed MOOSE_MODELS_FILE, or the bundled `models.json` when `raw` is absent.
 * Throws ModelCatalogError listing every problem with its path.
 */
export function loadModelCatalog(raw: unknown = defaultCatalogJson, options: { now?: Date } = {}): ModelCatalog {
  const parsed = catalogSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ModelCatalogError(parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`));
  }
  const problems = crossCheck(parsed.data, options.now ?? new Date());
  if (problems.length > 0) throw new ModelCatalogError(problems);
  return parsed.data;
}
