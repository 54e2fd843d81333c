// git's -z output is parsed from real git, including paths with newlines and spaces.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { gitIn, isValidBranchName, parseRawZ, parseStatusZ } from "../../action/src/git.js";

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("git facts", () => {
  it("parses raw diffs, logs and status with hostile file names", async () => {
    dir = mkdtempSync(join(tmpdir(), "moose-git-"));
    const git = gitIn(dir, { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@e", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@e" });
    await git(["init", "-q"]);
    writeFileSync(join(dir, "a.txt"), "a");
    await git(["add", "-A"]);
    await git(["commit", "-qm", "one"]);
    const start = (await git(["rev-parse", "HEAD"])).stdout.trim();
    writeFileSync(join(dir, "we ird\nname.txt"), "x");
    symlinkSync("/etc/passwd", join(dir, "link"));
    await git(["add", "-A"]);
    await git(["commit", "-qm", "two"]);
    await git(["mv", "a.txt", "b.txt"]);
    writeFileSync(join(dir, "untracked.txt"), "u");

    const diff = parseRawZ((await git(["diff", "--raw", "-z", "--no-renames", start, "HEAD"])).stdout);
    expect(diff).toEqual([
      { path: "link", oldMode: "000000", newMode: "120000", status: "A" },
      { path: "we ird\nname.txt", oldMode: "000000", newMode: "100644", status: "A" },
    ]);
    const log = parseRawZ((await git(["log", "--raw", "-z", "--no-renames", "--format=", `${start}..HEAD`])).stdout);
    expect(log.map((c) => c.path)).toEqual(["link", "we ird\nname.txt"]);
    const status = parseStatusZ((await git(["status", "--porcelain=v1", "-z", "--untracked-files=all"])).stdout);
    expect(status.sort()).toEqual(["a.txt", "b.txt", "untracked.txt"]);

    expect(await isValidBranchName(git, "feature/wo-1234abcd-ok")).toBe(true);
    expect(await isValidBranchName(git, "bad..name")).toBe(false);
    expect(await isValidBranchName(git, "-x")).toBe(false);
    expect(execFileSync("git", ["-C", dir, "log", "--oneline"], { encoding: "utf8" }).split("\n").filter(Boolean)).toHaveLength(2);
  });
});
