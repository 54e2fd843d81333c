// Owns the per-repository `.github/moose.yml` schema, its defaults, its error messages and hard-stop keyword matching.
import { z } from "zod";
import type { RiskLevel } from "../store/store.js";

export const RISK_LEVELS = ["low", "medium", "high"] as const satisfies readonly RiskLevel[];

export const APPROVAL_MODES = ["auto", "manual"] as const;

/** Words that make a work order wait for a human whatever its risk level. Plurals are listed: matching is whole-word. */
export const DEFAULT_HARD_STOP_KEYWORDS: readonly string[] = [
  "security",
  "vulnerability",
  "cve",
  "auth",
  "authentication",
  "authorization",
  "oauth",
  "payment",
  "payments",
  "billing",
  "migration",
  "migrations",
  "secret",
  "secrets",
  "credential",
  "credentials",
  "password",
  "passwords",
  "encryption",
  "private key",
  "api key",
  "delete production",
  "drop table",
  "pii",
  "gdpr",
];

const noControlCharacters = /^[^\u0000-\u001f\u007f]*$/;

function wholeNumber(min: number, max: number, fallback: number) {
  return z.number().int().min(min).max(max).default(fallback);
}

// A YAML section whose keys are all commented out parses as null; that means "use the defaults", not an error.
function section<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => value ?? undefined, schema);
}

const repoConfigSchema = z.strictObject({
  trigger_label: z
    .string()
    .trim()
    .min(1)
    .max(50)
    .regex(noControlCharacters, { error: "expected a label name without control characters" })
    .default("moose"),
  approval: section(
    z
      .strictObject({
        low: z.enum(APPROVAL_MODES).default("auto"),
        medium: z.enum(APPROVAL_MODES).default("auto"),
        high: z.enum(APPROVAL_MODES).default("manual"),
      })
      .prefault({}),
  ),
  hard_stop_keywords: z
    .array(
      z.string().trim().min(1).max(100).regex(noControlCharacters, { error: "expected a keyword without control characters" }),
    )
    .max(200)
    .default(() => [...DEFAULT_HARD_STOP_KEYWORDS]),
  workflow: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$/, { error: "expected a workflow file name in .github/workflows, like moose.yml" })
    .default("moose.yml"),
  pull_request: section(
    z
      .strictObject({
        draft: z.boolean().default(false),
        reviewers_from_approver: z.boolean().default(true),
      })
      .prefault({}),
  ),
  auto_fix: section(
    z
      .strictObject({
        enabled: z.boolean().default(false),
        max_attempts: wholeNumber(0, 2, 2),
      })
      .prefault({}),
  ),
  sentinel: section(
    z
      .strictObject({
        settle_seconds: wholeNumber(0, 3600, 60),
        timeout_minutes: wholeNumber(1, 1440, 60),
      })
      .prefault({}),
  ),
  limits: section(
    z
      .strictObject({
        max_changed_files: wholeNumber(1, 1000, 50),
        max_diff_lines: wholeNumber(1, 100_000, 2000),
      })
      .prefault({}),
  ),
});

export type RepoConfig = z.output<typeof repoConfigSchema>;

export type RepoConfigResult = { ok: true; config: RepoConfig } | { ok: false; error: string };

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** What an absent `.github/moose.yml` means. Frozen: copy before changing. */
export const DEFAULT_REPO_CONFIG: Readonly<RepoConfig> = deepFreeze(repoConfigSchema.parse({}));

/**
 * Validates the raw object Probot's `context.config("moose.yml")` returned (null when there is no file; load it
 * WITHOUT defaults, since Probot's deep merge would concatenate default and configured keyword lists).
 * `source` names the file for the reader, e.g. `octo/repo:.github/moose.yml`.
 */
export function parseRepoConfig(raw: unknown, source: string): RepoConfigResult {
  const result = repoConfigSchema.safeParse(raw ?? {}, { reportInput: true });
  if (result.success) return { ok: true, config: result.data };
  const lines = result.error.issues.flatMap(describeIssue);
  return { ok: false, error: [`\`${source}\` is not a valid Moose configuration:`, ...lines.map((line) => `- ${line}`)].join("\n") };
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const at = (path: readonly PropertyKey[]) => (path.length === 0 ? "(top level)" : formatPath(path));
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = knownKeysAt(issue.path);
      return issue.keys.map(
        (key) => `${at([...issue.path, key])}: unknown setting (known here: ${known.length > 0 ? known.join(", ") : "none"})`,
      );
    }
    case "invalid_value":
      return [`${at(issue.path)}: expected ${issue.values.map((v) => JSON.stringify(v)).join(" | ")}, got ${describeValue(issue.input)}`];
    case "invalid_type":
      return [`${at(issue.path)}: expected ${describeExpected(issue.expected)}, got ${describeValue(issue.input)}`];
    case "too_small":
    case "too_big":
      return [`${at(issue.path)}: expected ${describeBound(issue)}, got ${describeValue(issue.input)}`];
    default:
      return [`${at(issue.path)}: ${issue.message}, got ${describeValue(issue.input)}`];
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === "number" ? `[${part}]` : `${i === 0 ? "" : "."}${String(part)}`)).join("");
}

// Every setting has a default, so the defaults object lists exactly the keys the schema accepts at each level.
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let node: unknown = DEFAULT_REPO_CONFIG;
  for (const part of path) node = node && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[part] : undefined;
  return node && typeof node === "object" && !Array.isArray(node) ? Object.keys(node) : [];
}

function describeExpected(expected: string): string {
  switch (expected) {
    case "object":
      return "a mapping of settings";
    case "array":
      return "a list";
    case "int":
      return "a whole number";
    default:
      return `a ${expected}`;
  }
}

function describeBound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const limit = Number("minimum" in issue ? issue.minimum : issue.maximum);
  const side = issue.code === "too_small" ? "at least" : "at most";
  switch (issue.origin) {
    case "string":
      return `${side} ${limit} character${limit === 1 ? "" : "s"}`;
    case "array":
      return `${side} ${limit} item${limit === 1 ? "" : "s"}`;
    default:
      return `a number ${side} ${limit}`;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  const shown = JSON.stringify(value);
  return shown.length > 60 ? `${shown.slice(0, 57)}…"` : shown;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The configured keywords found in `text`, case-insensitively and as whole words (`auth` does not match `author`;
 * a multi-word keyword matches across any whitespace). Returned as configured, in keyword order, without
 * case-insensitive repeats.
 */
export function findHardStopKeywords(text: string, keywords: readonly string[]): string[] {
  const normalized = text.normalize("NFC");
  const found: string[] = [];
  const seen = new Set<string>();
  for (const keyword of keywords) {
    const words = keyword.normalize("NFC").trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) continue;
    const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])${words.map(escapeRegExp).join("\\s+")}(?![\\p{L}\\p{N}_])`, "iu");
    const key = words.join(" ").toLowerCase();
    if (!seen.has(key) && pattern.test(normalized)) found.push(keyword);
    seen.add(key);
  }
  return found;
}
