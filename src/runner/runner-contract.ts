// What the app and the runner action agree on: input names, branch and work-ref names, the instruction encoding.
import { gzipSync } from "node:zlib";

/** The runner workflow's `workflow_dispatch` inputs, in the order action.yml declares them. */
export const RUNNER_INPUT_NAMES = [
  "work-order-id",
  "attempt",
  "branch",
  "base-branch",
  "title",
  "model",
  "files",
  "instruction",
  "timeout-minutes",
] as const;
export type RunnerInputs = Record<(typeof RUNNER_INPUT_NAMES)[number], string>;

/** The runner inputs as typed values: what the app dispatches and what the action parses back. */
export interface RunnerInputValues {
  workOrderId: string;
  attempt: number;
  /** PR branch, e.g. feature/wo-1234abcd-add-login. */
  branch: string;
  baseBranch: string;
  title: string;
  /** Aider's model id. */
  model: string;
  /** Repo-relative paths in scope; a trailing "/" marks a directory whose contents are in scope. */
  files: readonly string[];
  instruction: string;
  timeoutMinutes: number;
}

/** GitHub's cap on a dispatch's inputs, all values together. */
export const MAX_DISPATCH_INPUT_CHARS = 65_535;
export const GZ64_PREFIX = "gz64:";
const SLUG_MAX = 40;

/** Lower-case ASCII slug of a title; hostile text (quotes, `$()`, newlines, emoji) collapses to dashes. */
export function slugify(title: string): string {
  const ascii = title
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "");
  const slug = ascii.slice(0, SLUG_MAX).replace(/-+$/, "");
  return slug === "" ? "work-order" : slug;
}

/** The work order's PR branch: `feature/wo-<first 8 of id>-<slug>`, the same on every attempt. */
export function workOrderBranchName(workOrderId: string, title: string): string {
  return `feature/wo-${workOrderId.slice(0, 8)}-${slugify(title)}`;
}

/** Where the runner pushes an attempt's result for the app to check and publish to the PR branch. */
export function workRefFor(workOrderId: string, attempt: number): string {
  return `refs/heads/moose-work/wo-${workOrderId}-a${attempt}`;
}

/** `gz64:` + base64(gzip(utf-8)): how an instruction too large for a plain input travels. */
export function encodeInstruction(text: string): string {
  return GZ64_PREFIX + gzipSync(Buffer.from(text, "utf8"), { level: 9 }).toString("base64");
}

/** The workflow's `run-name`, which comes back as `workflow_run.display_title` when a dispatch's reply is lost. */
export function runDisplayTitle(workOrderId: string, attempt: number | string): string {
  return `Moose WO ${workOrderId} attempt ${attempt}`;
}
