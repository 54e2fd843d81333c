// Owns the action's inputs: their schema, the decoding of the instruction, and the branch and ref names derived from them.
import { gunzipSync } from "node:zlib";
import { z } from "zod";
// The app and the action share one definition of names and encodings, so they can never drift apart.
import type { RunnerInputs, RunnerInputValues } from "../../src/runner/runner-contract.js";
import { GZ64_PREFIX, RUNNER_INPUT_NAMES, slugify, workOrderBranchName, workRefFor } from "../../src/runner/runner-contract.js";

/** Input names exactly as declared in action.yml and the workflow template (github-token is read separately). */
export const INPUT_NAMES = RUNNER_INPUT_NAMES;
export type InputName = (typeof INPUT_NAMES)[number];
export type RawInputs = RunnerInputs;
export { GZ64_PREFIX, slugify, workRefFor };

export const MAX_INSTRUCTION_BYTES = 1_000_000;
export const MAX_FILES = 200;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// The app's branch shape; anything else is refused rather than "cleaned".
const PR_BRANCH = /^feature\/wo-([0-9a-f]{8})-[a-z0-9]+(?:-[a-z0-9]+)*$/;
// A conservative subset of git's ref rules: no leading dash (flag injection), no "..", "//", "@{", ".lock" or trailing "/" or ".".
const BASE_BRANCH = /^(?![-./])(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?!.*\.lock(?:\/|$))(?!.*\/\.)(?!.*[./]$)[A-Za-z0-9._/-]{1,200}$/;
// Aider/litellm model ids: provider/name[:tag]; must not start with "-" so it can never read as a flag.
const MODEL = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}$/;
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** The parsed inputs: the same values the app dispatched (see src/runner/runner-contract.ts). */
export type ActionInputs = RunnerInputValues & { files: string[] };

/** Splits the files input (newline- or comma-separated) and normalises each path, or says what is wrong with it. */
export function parseScopePaths(value: string): { paths: string[]; errors: string[] } {
  const paths: string[] = [];
  const errors: string[] = [];
  for (const entry of value.split(/[\n,]/)) {
    const trimmed = entry.trim();
    if (trimmed === "") continue;
    const problem = scopePathProblem(trimmed);
    if (problem) {
      errors.push(`${JSON.stringify(trimmed.slice(0, 80))} ${problem}`);
      continue;
    }
    const normalised = trimmed.replace(/^(?:\.\/)+/, "");
    if (!paths.includes(normalised)) paths.push(normalised);
  }
  return { paths, errors };
}

function scopePathProblem(path: string): string | undefined {
  if (CONTROL_CHARS.test(path)) return "contains control characters";
  if (path.includes("\\")) return "contains a backslash";
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return "is absolute";
  if (path.startsWith("-")) return "starts with '-'";
  const segments = path.replace(/^(?:\.\/)+/, "").replace(/\/$/, "").split("/");
  if (segments.some((s) => s === "..")) return "contains '..'";
  if (segments.some((s) => s === "" || s === ".")) return "has an empty or '.' segment";
  if (segments[0]?.toLowerCase() === ".github") return "is under .github/, which Moose never edits";
  if (segments.some((s) => s.toLowerCase() === ".git")) return "is inside .git";
  if (path.length > 500) return "is longer than 500 characters";
  return undefined;
}

/** Decodes an instruction that may arrive as `gz64:` + base64(gzip(utf-8)). */
export function decodeInstruction(value: string): string {
  if (!value.startsWith(GZ64_PREFIX)) return value;
  const payload = value.slice(GZ64_PREFIX.length).replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(payload)) throw new Error("gz64 payload is not base64");
  let bytes: Buffer;
  try {
    bytes = gunzipSync(Buffer.from(payload, "base64"), { maxOutputLength: MAX_INSTRUCTION_BYTES });
  } catch (error) {
    throw new Error(`gz64 payload does not gunzip (or exceeds ${MAX_INSTRUCTION_BYTES} bytes): ${(error as Error).message}`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new Error("gz64 payload is not UTF-8 text");
  }
}

const rawSchema = z.object({
  "work-order-id": z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .pipe(z.string().regex(UUID, "must be a UUID")),
  attempt: z
    .string()
    .trim()
    .regex(/^[1-9][0-9]{0,3}$/, "must be an integer from 1 to 9999")
    .transform(Number),
  branch: z.string().trim(),
  "base-branch": z.string().trim().regex(BASE_BRANCH, "must be a plain branch name"),
  title: z.string().max(1000, "must be at most 1000 characters"),
  model: z.string().trim().regex(MODEL, "must be an Aider model id such as anthropic/claude-sonnet-4-5"),
  files: z.string(),
  instruction: z.string().min(1, "must not be empty"),
  "timeout-minutes": z
    .string()
    .trim()
    .transform((s) => (s === "" ? 5 : Number(s)))
    .pipe(z.number().positive("must be a positive number of minutes").max(360, "must be at most 360 minutes")),
});

export class InputError extends Error {}

/** Validates the raw inputs; every problem is reported as `<input>: <what is wrong>` in one message. */
export function parseInputs(raw: RawInputs): ActionInputs {
  const parsed = rawSchema.safeParse(raw);
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join(".") || "inputs"}: ${issue.message}`);
  if (!parsed.success) throw new InputError(problems.join("; "));
  const v = parsed.data;

  const scope = parseScopePaths(v.files);
  problems.push(...scope.errors.map((e) => `files: ${e}`));
  if (scope.errors.length === 0 && scope.paths.length === 0) problems.push("files: must name at least one path in scope");
  if (scope.paths.length > MAX_FILES) problems.push(`files: at most ${MAX_FILES} paths, got ${scope.paths.length}`);

  const branch = v.branch === "" ? workOrderBranchName(v["work-order-id"], v.title) : v.branch;
  const match = PR_BRANCH.exec(branch);
  if (!match || branch.length > 120) problems.push("branch: must look like feature/wo-<8 hex>-<slug> (lower-case, digits, dashes)");
  else if (match[1] !== v["work-order-id"].slice(0, 8)) problems.push("branch: does not belong to this work order id");

  let instruction = "";
  try {
    instruction = decodeInstruction(v.instruction);
    if (instruction.trim() === "") problems.push("instruction: decodes to empty text");
    if (Buffer.byteLength(instruction) > MAX_INSTRUCTION_BYTES) problems.push(`instruction: exceeds ${MAX_INSTRUCTION_BYTES} bytes`);
  } catch (error) {
    problems.push(`instruction: ${(error as Error).message}`);
  }

  if (problems.length > 0) throw new InputError(problems.join("; "));
  return {
    workOrderId: v["work-order-id"],
    attempt: v.attempt,
    branch,
    baseBranch: v["base-branch"],
    title: v.title,
    model: v.model,
    files: scope.paths,
    instruction,
    timeoutMinutes: v["timeout-minutes"],
  };
}
