// Owns the verdict on an Aider run, decided from git facts (never from Aider's exit code), and the path policy behind it.
import type { PathChange } from "./git.js";

export type Outcome = "success" | "no-change" | "failed";

export interface RefusedPath {
  path: string;
  why: string;
}

/** True when `path` is one of the scope entries, or lies under an entry naming a directory. */
export function inScope(path: string, scope: string[]): boolean {
  return scope.some((entry) => {
    const dir = entry.endsWith("/") ? entry : `${entry}/`;
    return path === entry.replace(/\/$/, "") || path.startsWith(dir);
  });
}

/** Changes Moose never lets through: anything under .github/, outside the scope, symlinks and submodules. */
export function refusePaths(changes: PathChange[], scope: string[]): RefusedPath[] {
  const refused = new Map<string, string>();
  for (const change of changes) {
    if (refused.has(change.path)) continue;
    const first = change.path.split("/")[0]?.toLowerCase();
    if (first === ".github") refused.set(change.path, "under .github/");
    else if (!inScope(change.path, scope)) refused.set(change.path, "outside the files in scope");
    else if (change.newMode === "120000") refused.set(change.path, "a symbolic link");
    else if (change.newMode === "160000") refused.set(change.path, "a submodule");
  }
  return [...refused].map(([path, why]) => ({ path, why }));
}

export interface RunFacts {
  timedOut: boolean;
  timeoutMinutes: number;
  exitCode: number | null;
  /** HEAD still descends from the starting commit on the same branch. */
  headDescends: boolean;
  commitsAdded: number;
  /** Net change from the starting commit to HEAD. */
  netChanges: PathChange[];
  /** Every path touched by any new commit, plus uncommitted paths: refusal looks at all of them. */
  touched: PathChange[];
  uncommitted: string[];
  problems: string[];
  scope: string[];
}

export interface Verdict {
  outcome: Outcome;
  reason: string;
  refused: RefusedPath[];
}

/** The documented outcomes of action/README.md, "Results". */
export function judgeRun(facts: RunFacts): Verdict {
  const refused = refusePaths(facts.touched, facts.scope);
  const problems = facts.problems.length > 0 ? ` (Aider reported: ${facts.problems.join("; ")})` : "";
  if (facts.timedOut) {
    return { outcome: "failed", reason: `Aider did not finish within ${facts.timeoutMinutes} minutes and was stopped${problems}`, refused };
  }
  if (!facts.headDescends) {
    return { outcome: "failed", reason: "HEAD no longer descends from the starting commit; refusing the result", refused };
  }
  if (refused.length > 0) {
    const list = refused.map((r) => `${r.path} (${r.why})`).join(", ");
    return { outcome: "failed", reason: `refused changes: ${list}`, refused };
  }
  if (facts.commitsAdded === 0) {
    if (facts.uncommitted.length > 0) {
      return { outcome: "failed", reason: `Aider changed ${facts.uncommitted.length} file(s) but committed nothing${problems}`, refused };
    }
    if (facts.problems.length > 0) return { outcome: "failed", reason: `Aider made no change${problems}`, refused };
    if (facts.exitCode !== 0) {
      return { outcome: "failed", reason: `Aider exited with ${facts.exitCode ?? "a signal"} and made no change`, refused };
    }
    return { outcome: "no-change", reason: "Aider finished without changing any file", refused };
  }
  if (facts.netChanges.length === 0) {
    return { outcome: "no-change", reason: `Aider's ${facts.commitsAdded} commit(s) leave the files unchanged`, refused };
  }
  const files = facts.netChanges.length;
  return { outcome: "success", reason: `${files} file(s) changed in ${facts.commitsAdded} commit(s)`, refused };
}

/** One line, printable, bounded: reasons may quote paths an LLM chose. */
export function singleLine(text: string, max = 300): string {
  const flat = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ").replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
