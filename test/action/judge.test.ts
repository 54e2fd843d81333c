// The verdict on an Aider run comes from git facts and the path policy, never from the exit code.
import { describe, expect, it } from "vitest";
import type { PathChange } from "../../action/src/git.js";
import type { RunFacts } from "../../action/src/judge.js";
import { inScope, judgeRun, refusePaths, singleLine } from "../../action/src/judge.js";

const change = (path: string, newMode = "100644"): PathChange => ({ path, oldMode: "100644", newMode, status: "M" });
function facts(overrides: Partial<RunFacts> = {}): RunFacts {
  return {
    timedOut: false,
    timeoutMinutes: 5,
    exitCode: 0,
    headDescends: true,
    commitsAdded: 1,
    netChanges: [change("src/a.ts")],
    touched: [change("src/a.ts")],
    uncommitted: [],
    problems: [],
    scope: ["src/a.ts", "docs/"],
    ...overrides,
  };
}

describe("path policy", () => {
  it("allows exact files and directory entries only", () => {
    expect(inScope("src/a.ts", ["src/a.ts"])).toBe(true);
    expect(inScope("src/a.tsx", ["src/a.ts"])).toBe(false);
    expect(inScope("docs/x/y.md", ["docs/"])).toBe(true);
    expect(inScope("docs/x/y.md", ["docs"])).toBe(true);
    expect(inScope("docsx/y.md", ["docs"])).toBe(false);
  });

  it("refuses .github even when in scope, symlinks and submodules", () => {
    const refused = refusePaths(
      [change(".github/workflows/ci.yml"), change("src/a.ts", "120000"), change("docs/mod", "160000"), change("other.ts")],
      [".github/", "src/a.ts", "docs/"],
    );
    expect(refused).toEqual([
      { path: ".github/workflows/ci.yml", why: "under .github/" },
      { path: "src/a.ts", why: "a symbolic link" },
      { path: "docs/mod", why: "a submodule" },
      { path: "other.ts", why: "outside the files in scope" },
    ]);
  });
});

describe("judgeRun", () => {
  it("succeeds on new in-scope commits, even when Aider exits non-zero", () => {
    expect(judgeRun(facts({ exitCode: 1 })).outcome).toBe("success");
  });

  it("fails on exit 0 with no change when Aider printed a failure marker", () => {
    const verdict = judgeRun(facts({ commitsAdded: 0, netChanges: [], touched: [], problems: ["LLM API error (RateLimitError)"] }));
    expect(verdict).toMatchObject({ outcome: "failed" });
    expect(verdict.reason).toContain("RateLimitError");
  });

  it("reports no-change for a quiet run and for commits that cancel out", () => {
    expect(judgeRun(facts({ commitsAdded: 0, netChanges: [], touched: [] })).outcome).toBe("no-change");
    expect(judgeRun(facts({ commitsAdded: 2, netChanges: [] })).outcome).toBe("no-change");
  });

  it("fails uncommitted edits, timeouts, rewritten history and refused paths", () => {
    expect(judgeRun(facts({ commitsAdded: 0, netChanges: [], uncommitted: ["src/a.ts"] })).reason).toContain("committed nothing");
    expect(judgeRun(facts({ timedOut: true })).reason).toContain("did not finish within 5 minutes");
    expect(judgeRun(facts({ headDescends: false })).outcome).toBe("failed");
    // A workflow edit reverted by a later commit still counts: every commit is pushed.
    const verdict = judgeRun(facts({ touched: [change("src/a.ts"), change(".github/workflows/x.yml")] }));
    expect(verdict.outcome).toBe("failed");
    expect(verdict.refused.map((r) => r.path)).toEqual([".github/workflows/x.yml"]);
  });

  it("keeps reasons to one bounded line", () => {
    expect(singleLine("a\nb\r\n::error::c\u2028d")).toBe("a b ::error::c d");
    expect(singleLine("x".repeat(500))).toHaveLength(300);
  });
});
