// What the Publisher accepts: a fast-forward, inside the work order's scope, nothing under .github/, within limits.
import { describe, expect, it } from "vitest";
import { DEFAULT_REPO_CONFIG } from "../../src/config/repo-config.js";
import { foreignClosingReferences, inScope, judgeChange, type ChangedFile, type ComparedChange } from "../../src/publisher/change-policy.js";

const limits = { max_changed_files: 3, max_diff_lines: 100 };
const file = (filename: string, lines = 1, extra: Partial<ChangedFile> = {}): ChangedFile => ({ filename, status: "modified", additions: lines, deletions: 0, ...extra });
const ahead = (files: ChangedFile[], extra: Partial<ComparedChange> = {}): ComparedChange => ({ status: "ahead", behindBy: 0, aheadBy: 1, files, ...extra });

describe("inScope", () => {
  it("matches named files exactly and folders (trailing /) by prefix", () => {
    const scope = ["src/a.ts", "docs/"];
    expect(inScope("src/a.ts", scope)).toBe(true);
    expect(inScope("docs/guide/x.md", scope)).toBe(true);
    expect(inScope("src/a.tsx", scope)).toBe(false);
    expect(inScope("docsx/a.md", scope)).toBe(false);
  });
});

describe("judgeChange", () => {
  it("accepts an in-scope fast-forward and counts its lines", () => {
    expect(judgeChange(ahead([file("src/a.ts", 3, { deletions: 2 })]), ["src/a.ts"], limits)).toEqual({ ok: true, files: ["src/a.ts"], lines: 5 });
  });

  it("refuses anything under .github/, whatever the case or the scope says, renames included", () => {
    for (const change of [
      ahead([file(".github/workflows/ci.yml")]),
      ahead([file(".GitHub/Workflows/ci.yml")]),
      ahead([file("src/ci.yml", 1, { status: "renamed", previous_filename: ".github/workflows/ci.yml" })]),
    ]) {
      const verdict = judgeChange(change, [".github/", "src/"], limits);
      expect(verdict.ok).toBe(false);
      expect(!verdict.ok && verdict.problems.join()).toContain("it touches .github/, which Moose never publishes");
    }
  });

  it("refuses files outside the scope, naming them (a rename's old path counts)", () => {
    const verdict = judgeChange(ahead([file("src/a.ts"), file("src/b.ts", 1, { previous_filename: "lib/b.ts" })]), ["src/"], limits);
    expect(verdict).toEqual({ ok: false, problems: ["it changes files outside the work order's scope: `lib/b.ts`"] });
  });

  it("refuses too many files or lines", () => {
    const many = ahead([file("a", 30), file("b", 30), file("c", 30), file("d", 30)]);
    expect(judgeChange(many, ["a", "b", "c", "d"], limits)).toEqual({
      ok: false,
      problems: ["it changes 4 files; the limit is 3", "it changes 120 lines; the limit is 100"],
    });
    expect(judgeChange(ahead([file("a", DEFAULT_REPO_CONFIG.limits.max_diff_lines)]), ["a"], DEFAULT_REPO_CONFIG.limits).ok).toBe(true);
  });

  it("refuses a change that does not extend the PR branch, or is empty", () => {
    expect(judgeChange(ahead([file("a")], { status: "diverged", behindBy: 2 }), ["a"], limits)).toEqual({
      ok: false,
      problems: ["the change does not extend the PR branch (compare status diverged, 2 behind)"],
    });
    expect(judgeChange(ahead([], { status: "identical", aheadBy: 0 }), ["a"], limits)).toMatchObject({ ok: false, problems: expect.arrayContaining(["the change is empty"]) });
  });
});

describe("foreignClosingReferences", () => {
  it("finds closing keywords that would close another issue, and allows the work order's own", () => {
    const messages = [
      "feat: add --json\n\nFixes #12 and closes octo-org/other#3",
      "Resolved: https://github.com/octo-org/widgets/issues/9",
      "fix: handle empty lists (closes #7)",
      "Refs #12 without a keyword",
    ];
    expect(foreignClosingReferences(messages, 7)).toEqual(["Fixes #12", "closes octo-org/other#3", "Resolved: https://github.com/octo-org/widgets/issues/9"]);
  });

  it("refuses a change whose commit messages would close other issues", () => {
    const verdict = judgeChange(
      { status: "ahead", behindBy: 0, aheadBy: 1, files: [{ filename: "src/a.ts", status: "modified", additions: 1, deletions: 0 }], commitMessages: ["fix: it\n\nFixes #99"] },
      ["src/a.ts"],
      { max_changed_files: 50, max_diff_lines: 2000 },
      7,
    );
    expect(verdict).toEqual({ ok: false, problems: ["its commit messages would close other issues on merge: `Fixes #99`"] });
  });
});
