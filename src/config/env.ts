// Owns the process environment contract: which variables Moose and Probot read, their formats and defaults.
import { z } from "zod";

/** Flat, camelCase view of the environment; `undefined` means "not set" (Probot then applies its own default). */
export interface EnvConfig {
  // Probot reads these itself; they are validated here so a typo fails at start-up with a clear message.
  appId: number | undefined;
  privateKey: string | undefined;
  privateKeyPath: string | undefined;
  webhookSecret: string | undefined;
  webhookProxyUrl: string | undefined;
  webhookPath: string | undefined;
  port: number | undefined;
  host: string | undefined;
  logLevel: LogLevel | undefined;
  logFormat: "json" | "pretty" | undefined;
  nodeEnv: "development" | "production" | "test" | undefined;
  gheHost: string | undefined;
  // Storage. Supabase's two variables are both set or both undefined.
  databaseUrl: string | undefined;
  supabaseUrl: string | undefined;
  supabaseServiceRoleKey: string | undefined;
  dataDir: string;
  // LLM providers.
  anthropicApiKey: string | undefined;
  openaiApiKey: string | undefined;
  openaiBaseUrl: string | undefined;
  modelsFile: string | undefined;
  // Budget, US dollars: soft <= hard <= emergency.
  budgetSoftUsd: number;
  budgetHardUsd: number;
  budgetEmergencyUsd: number;
  // Worker.
  maxConcurrency: number;
  sweepIntervalMs: number;
  leaseMs: number;
  /** How often the reconciler looks for work lost with webhooks; 0 turns it off. */
  reconcileIntervalMs: number;
  /** Absent means the caller derives one (hostname-pid); deriving it needs I/O this module avoids. */
  workerId: string | undefined;
}

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface EnvProblem {
  name: string;
  problem: string;
}

/** Lists every bad variable; never carries a variable's value, since many of them are secrets. */
export class EnvConfigError extends Error {
  readonly problems: readonly EnvProblem[];

  constructor(problems: readonly EnvProblem[]) {
    super(`Invalid environment configuration:\n${problems.map((p) => `- ${p.name}: ${p.problem}`).join("\n")}`);
    this.name = "EnvConfigError";
    this.problems = problems;
  }
}

// Cross-variable checks run when the variables they compare parsed, whatever else in the group failed.
function whenParsed(...names: string[]) {
  return {
    when: (payload: z.core.ParsePayload) => payload.issues.every((issue) => !names.includes(String(issue.path?.[0]))),
  };
}

// `.env` files commonly carry `NAME=` for "not set"; treating blank as absent keeps those files usable.
const blankAsUnset = (value: unknown): unknown =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

function optionalVar<T extends z.ZodType>(schema: T) {
  return z.preprocess(blankAsUnset, schema.optional());
}

function defaultedVar<T extends z.ZodType<unknown, string>>(schema: T, fallback: string) {
  return z.preprocess((value) => blankAsUnset(value) ?? fallback, schema);
}

/**
 * One variable's format: `parse` returns the value or undefined. The issue carries a fixed message and never the
 * value; failing in a transform (not a refine) also keeps later transforms and cross checks off a bad value.
 */
function parsedVar<T>(parse: (trimmed: string) => T | undefined, error: string) {
  return z.string().transform((raw, ctx) => {
    const value = parse(raw.trim());
    if (value !== undefined) return value;
    ctx.issues.push({ code: "custom", message: error, input: undefined });
    return z.NEVER;
  });
}

function matchingVar(pattern: RegExp, error: string) {
  return parsedVar((s) => (pattern.test(s) ? s : undefined), error);
}

function integerVar(min: number, max: number) {
  return parsedVar(
    (s) => (/^\d+$/.test(s) && Number(s) >= min && Number(s) <= max ? Number(s) : undefined),
    `expected a whole number from ${min} to ${max}`,
  );
}

const usdVar = parsedVar(
  (s) => (/^\d+(\.\d+)?$/.test(s) && Number(s) > 0 ? Number(s) : undefined),
  "expected a positive amount in US dollars, like 20 or 12.50",
);

function urlVar(protocols: readonly string[], error: string) {
  return parsedVar((s) => (URL.canParse(s) && protocols.includes(new URL(s).protocol) ? s : undefined), error);
}

const httpUrlVar = urlVar(["http:", "https:"], "expected an http:// or https:// URL");

function pathVar(what: string) {
  return matchingVar(/^[^\u0000-\u001f\u007f]+$/, `expected ${what} without control characters`);
}

function decodesToPem(value: string): boolean {
  const looksPem = (s: string) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(s);
  if (looksPem(value)) return true;
  // Probot also accepts the PEM base64-encoded (handy where multi-line variables are awkward).
  return /^[A-Za-z0-9+/=\s]+$/.test(value) && looksPem(Buffer.from(value, "base64").toString("utf8"));
}

const probotSchema = z
  .object({
    APP_ID: optionalVar(integerVar(1, Number.MAX_SAFE_INTEGER)),
    PRIVATE_KEY: optionalVar(
      parsedVar(
        (s) => (decodesToPem(s) ? s : undefined),
        "expected a PEM private key (-----BEGIN … PRIVATE KEY-----), optionally base64-encoded",
      ),
    ),
    PRIVATE_KEY_PATH: optionalVar(pathVar("a file path")),
    WEBHOOK_SECRET: optionalVar(z.string()),
    WEBHOOK_PROXY_URL: optionalVar(httpUrlVar),
    WEBHOOK_PATH: optionalVar(matchingVar(/^\/[^\s?#]*$/, "expected a URL path starting with /, like /api/github/webhooks")),
    PORT: optionalVar(integerVar(1, 65535)),
    HOST: optionalVar(matchingVar(/^[A-Za-z0-9.:\-[\]]+$/, "expected a host name or IP address, like 0.0.0.0 (no scheme or path)")),
    LOG_LEVEL: optionalVar(z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(", ")}` })),
    LOG_FORMAT: optionalVar(z.enum(["json", "pretty"], { error: "expected json or pretty" })),
    NODE_ENV: optionalVar(z.enum(["development", "production", "test"], { error: "expected development, production or test" })),
    GHE_HOST: optionalVar(
      matchingVar(/^[A-Za-z0-9.-]+(:\d+)?$/, "expected a GitHub Enterprise host name without scheme, like github.example.com"),
    ),
  })
  .transform(
    (v) => ({
      appId: v.APP_ID,
      privateKey: v.PRIVATE_KEY,
      privateKeyPath: v.PRIVATE_KEY_PATH,
      webhookSecret: v.WEBHOOK_SECRET,
      webhookProxyUrl: v.WEBHOOK_PROXY_URL,
      webhookPath: v.WEBHOOK_PATH,
      port: v.PORT,
      host: v.HOST,
      logLevel: v.LOG_LEVEL,
      logFormat: v.LOG_FORMAT,
      nodeEnv: v.NODE_ENV,
      gheHost: v.GHE_HOST,
    }),
  );

const storeSchema = z
  .object({
    DATABASE_URL: optionalVar(urlVar(["postgres:", "postgresql:"], "expected a postgres:// or postgresql:// connection URL")),
    SUPABASE_URL: optionalVar(httpUrlVar),
    SUPABASE_SERVICE_ROLE_KEY: optionalVar(z.string().trim()),
    MOOSE_DATA_DIR: defaultedVar(pathVar("a directory path"), ".moose"),
  })
  .superRefine((v, ctx) => {
    if ((v.SUPABASE_URL === undefined) !== (v.SUPABASE_SERVICE_ROLE_KEY === undefined)) {
      const missing = v.SUPABASE_URL === undefined ? "SUPABASE_URL" : "SUPABASE_SERVICE_ROLE_KEY";
      const present = missing === "SUPABASE_URL" ? "SUPABASE_SERVICE_ROLE_KEY" : "SUPABASE_URL";
      ctx.addIssue({ code: "custom", path: [missing], message: `required when ${present} is set (set both or neither)` });
    }
  }, whenParsed("SUPABASE_URL", "SUPABASE_SERVICE_ROLE_KEY"))
  .transform(
    (v) => ({
      databaseUrl: v.DATABASE_URL,
      supabaseUrl: v.SUPABASE_URL,
      supabaseServiceRoleKey: v.SUPABASE_SERVICE_ROLE_KEY,
      dataDir: v.MOOSE_DATA_DIR,
    }),
  );

const llmSchema = z
  .object({
    ANTHROPIC_API_KEY: optionalVar(z.string().trim()),
    OPENAI_API_KEY: optionalVar(z.string().trim()),
    OPENAI_BASE_URL: optionalVar(httpUrlVar),
    MOOSE_MODELS_FILE: optionalVar(pathVar("a file path")),
  })
  .transform(
    (v) => ({
      anthropicApiKey: v.ANTHROPIC_API_KEY,
      openaiApiKey: v.OPENAI_API_KEY,
      openaiBaseUrl: v.OPENAI_BASE_URL,
      modelsFile: v.MOOSE_MODELS_FILE,
    }),
  );

const budgetSchema = z
  .object({
    MOOSE_BUDGET_SOFT_USD: defaultedVar(usdVar, "20"),
    MOOSE_BUDGET_HARD_USD: defaultedVar(usdVar, "50"),
    MOOSE_BUDGET_EMERGENCY_USD: defaultedVar(usdVar, "100"),
  })
  .superRefine((v, ctx) => {
    // Amounts are not secrets, so naming them makes the ordering mistake obvious.
    if (v.MOOSE_BUDGET_HARD_USD < v.MOOSE_BUDGET_SOFT_USD) {
      ctx.addIssue({
        code: "custom",
        path: ["MOOSE_BUDGET_HARD_USD"],
        message: `must be at least MOOSE_BUDGET_SOFT_USD (${v.MOOSE_BUDGET_HARD_USD} < ${v.MOOSE_BUDGET_SOFT_USD})`,
      });
    }
    if (v.MOOSE_BUDGET_EMERGENCY_USD < v.MOOSE_BUDGET_HARD_USD) {
      ctx.addIssue({
        code: "custom",
        path: ["MOOSE_BUDGET_EMERGENCY_USD"],
        message: `must be at least MOOSE_BUDGET_HARD_USD (${v.MOOSE_BUDGET_EMERGENCY_USD} < ${v.MOOSE_BUDGET_HARD_USD})`,
      });
    }
  }, whenParsed("MOOSE_BUDGET_SOFT_USD", "MOOSE_BUDGET_HARD_USD", "MOOSE_BUDGET_EMERGENCY_USD"))
  .transform(
    (v) => ({
      budgetSoftUsd: v.MOOSE_BUDGET_SOFT_USD,
      budgetHardUsd: v.MOOSE_BUDGET_HARD_USD,
      budgetEmergencyUsd: v.MOOSE_BUDGET_EMERGENCY_USD,
    }),
  );

const workerSchema = z
  .object({
    MOOSE_MAX_CONCURRENCY: defaultedVar(integerVar(1, 100), "3"),
    MOOSE_SWEEP_INTERVAL_MS: defaultedVar(integerVar(100, 3_600_000), "10000"),
    MOOSE_LEASE_MS: defaultedVar(integerVar(1_000, 3_600_000), "60000"),
    MOOSE_RECONCILE_INTERVAL_MS: defaultedVar(integerVar(0, 86_400_000), "300000"),
    MOOSE_WORKER_ID: optionalVar(
      matchingVar(/^[A-Za-z0-9._:-]{1,128}$/, "expected 1–128 letters, digits, '.', '_', ':' or '-'"),
    ),
  })
  .transform(
    (v) => ({
      maxConcurrency: v.MOOSE_MAX_CONCURRENCY,
      sweepIntervalMs: v.MOOSE_SWEEP_INTERVAL_MS,
      leaseMs: v.MOOSE_LEASE_MS,
      reconcileIntervalMs: v.MOOSE_RECONCILE_INTERVAL_MS,
      workerId: v.MOOSE_WORKER_ID,
    }),
  );

// Groups are parsed separately so a bad variable in one group does not hide cross-variable checks in another.
const groups = [probotSchema, storeSchema, llmSchema, budgetSchema, workerSchema] as const;

/** Every variable name the configuration knows, in documentation order. */
export const ENV_VARIABLE_NAMES: readonly string[] = groups.flatMap((group) => Object.keys(group.in.shape));

export function loadEnvConfig(env: NodeJS.ProcessEnv): EnvConfig {
  const problems: EnvProblem[] = [];
  const parse = <T>(schema: z.ZodType<T>): T | undefined => {
    const result = schema.safeParse(env);
    if (result.success) return result.data;
    for (const issue of result.error.issues) problems.push({ name: String(issue.path[0]), problem: issue.message });
    return undefined;
  };
  const probot = parse(probotSchema);
  const store = parse(storeSchema);
  const llm = parse(llmSchema);
  const budget = parse(budgetSchema);
  const worker = parse(workerSchema);
  if (!probot || !store || !llm || !budget || !worker) throw new EnvConfigError(problems);
  return { ...probot, ...store, ...llm, ...budget, ...worker } satisfies EnvConfig;
}
