// Decides whether a runner's change may be published: fast-forward, nothing under .github/, in scope, within limits.
import type { RepoConfig } from "../config/repo-config.js";
import { inlineCode } from "../director/untrusted-text.js";

export interface ChangedFile {
  filename: string;
  status: string;
  additions: number;
  deletions: number;
  /** Set for renames: the old path also counts as touched. */
  previous_filename?: string | undefined;
}

export interface ComparedChange {
  /** "ahead" when the work ref strictly extends the base: publishing is then a fast-forward. */
  status: string;
  behindBy: number;
  aheadBy: number;
  files: readonly ChangedFile[];
  /** The new commits' messages (written by Aider, i.e. by an LLM that read untrusted text). */
  commitMessages?: readonly string[];
}

// GitHub's closing keywords followed by an issue reference (#N, owner/repo#N or an issue URL).
const CLOSING_REFERENCE = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b:?\s+((?:[\w.-]+\/[\w.-]+)?#\d+|https?:\/\/\S+\/issues\/\d+)/gi;

/**
 * Issue references in commit messages that would close an issue when the PR merges, other than the work order's
 * own: merged commits close issues by their messages too, so an injected "Fixes #12" must not ride along.
 */
export function foreignClosingReferences(messages: readonly string[], ownIssue: number): string[] {
  const found = new Set<string>();
  for (const message of messages) {
    for (const match of message.matchAll(CLOSING_REFERENCE)) {
      const reference = match[1] ?? "";
      if (reference !== `#${ownIssue}`) found.add(match[0].replace(/\s+/g, " "));
    }
  }
  return [...found];
}

export type ChangeVerdict = { ok: true; files: string[]; lines: number } | { ok: false; problems: string[] };

/** A path is in scope when it is a named file, or inside a named folder (written with a trailing "/"). */
export function inScope(path: string, scope: readonly string[]): boolean {
  return scope.some((entry) => (entry.endsWith("/") ? path.startsWith(entry) : path === entry));
}

function underGithubDir(path: string): boolean {
  return path.toLowerCase().startsWith(".github/");
}

export function judgeChange(change: ComparedChange, scope: readonly string[], limits: RepoConfig["limits"], ownIssue = 0): ChangeVerdict {
  const problems: string[] = [];
  const closing = foreignClosingReferences(change.commitMessages ?? [], ownIssue);
  if (closing.length > 0) {
    problems.push(`its commit messages would close other issues on merge: ${closing.map((c) => inlineCode(c)).join(", ")}`);
  }
  if (change.behindBy > 0 || change.status !== "ahead") {
    problems.push(`the change does not extend the PR branch (compare status ${change.status}, ${change.behindBy} behind)`);
  }
  if (change.aheadBy === 0 || change.files.length === 0) problems.push("the change is empty");
  const touched = change.files.flatMap((file) => (file.previous_filename ? [file.filename, file.previous_filename] : [file.filename]));
  const workflowFiles = touched.filter(underGithubDir);
  // Paths come from an LLM's commits: shown as code so a file named like @team or #12 pings or links nothing.
  if (workflowFiles.length > 0) problems.push(`it touches .github/, which Moose never publishes: ${workflowFiles.map((p) => inlineCode(p)).join(", ")}`);
  const outside = touched.filter((path) => !underGithubDir(path) && !inScope(path, scope));
  if (outside.length > 0) problems.push(`it changes files outside the work order's scope: ${outside.map((p) => inlineCode(p)).join(", ")}`);
  if (change.files.length > limits.max_changed_files) {
    problems.push(`it changes ${change.files.length} files; the limit is ${limits.max_changed_files}`);
  }
  const lines = change.files.reduce((sum, file) => sum + file.additions + file.deletions, 0);
  if (lines > limits.max_diff_lines) problems.push(`it changes ${lines} lines; the limit is ${limits.max_diff_lines}`);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, files: change.files.map((file) => file.filename), lines };
}
