// The Sentinel's pure judgement over the check runs and statuses on a PR head.
import { describe, expect, it } from "vitest";
import { failureSignature, judgeChecks, type CheckRunFact, type StatusFact, type VerdictInput } from "../../src/sentinel/verdict.js";

const MOOSE_APP = 123;
const published = new Date("2026-03-01T12:00:00Z");
const minutes = (n: number) => new Date(published.getTime() + n * 60_000);

let ids = 0;
function run(name: string, conclusion: string | null, extra: Partial<CheckRunFact> = {}): CheckRunFact {
  return { id: ++ids, name, status: conclusion === null ? "in_progress" : "completed", conclusion, appId: 15368, title: null, summary: null, htmlUrl: null, ...extra };
}
const status = (context: string, state: string): StatusFact => ({ context, state, description: null, targetUrl: null });

function judge(input: Partial<VerdictInput>) {
  return judgeChecks({ checkRuns: [], statuses: [], publishedAt: published, now: minutes(5), settleMs: 60_000, timeoutMs: 60 * 60_000, ownAppId: MOOSE_APP, ...input });
}

describe("judgeChecks", () => {
  it("is pending while any run or status is unfinished, naming them", () => {
    expect(judge({ checkRuns: [run("lint", "success"), run("test", null)], statuses: [status("ci/legacy", "pending")] })).toEqual({
      kind: "pending",
      waitingForApproval: false,
      reason: "waiting for `test`, `ci/legacy`",
    });
  });

  it("is pending inside the settle window even when everything reported so far passed", () => {
    expect(judge({ checkRuns: [run("test", "success")], now: new Date(published.getTime() + 30_000) })).toMatchObject({ kind: "pending", reason: "waiting for checks to settle" });
    expect(judge({ checkRuns: [run("test", "success")], now: new Date(published.getTime() + 60_000) })).toMatchObject({ kind: "passed" });
  });

  it("treats action_required as waiting for a human to approve the runs", () => {
    expect(judge({ checkRuns: [run("test", "action_required")] })).toEqual({
      kind: "pending",
      waitingForApproval: true,
      reason: "waiting for a maintainer to approve workflow runs (`test`)",
    });
  });

  it("times out when checks are still unfinished after the timeout", () => {
    expect(judge({ checkRuns: [run("test", null)], now: minutes(61) })).toEqual({ kind: "timed_out", reason: "still waiting after 61 min for: `test`" });
    expect(judge({ checkRuns: [run("test", "action_required")], now: minutes(60) })).toMatchObject({ kind: "timed_out" });
  });

  it("fails on failing runs and failing statuses, listing each", () => {
    const verdict = judge({
      checkRuns: [run("lint", "success"), run("test", "failure", { title: "2 failed", htmlUrl: "u" }), run("e2e", "timed_out")],
      statuses: [status("ci/legacy", "error"), status("coverage", "success")],
    });
    expect(verdict).toMatchObject({ kind: "failed", reason: "3 check(s) failed: `test` (failure), `e2e` (timed_out), `ci/legacy` (error)" });
    expect(verdict.kind === "failed" && verdict.failing.map((f) => [f.name, f.checkRunId === null])).toEqual([
      ["test", false],
      ["e2e", false],
      ["ci/legacy", true],
    ]);
  });

  it("passes when everything finished well (neutral and skipped do not fail)", () => {
    expect(judge({ checkRuns: [run("test", "success"), run("docs", "skipped"), run("info", "neutral")], statuses: [status("ci", "success")] })).toEqual({
      kind: "passed",
      reason: "all 4 check(s) passed",
    });
  });

  it("passes after the settle window when no checks exist at all", () => {
    expect(judge({})).toEqual({ kind: "passed", reason: "no checks reported within the settle window" });
  });

  it("ignores Moose's own check runs, whatever they say", () => {
    expect(judge({ checkRuns: [run("moose", "failure", { appId: MOOSE_APP }), run("test", "success")] })).toEqual({ kind: "passed", reason: "all 1 check(s) passed" });
    expect(judge({ checkRuns: [run("moose", null, { appId: MOOSE_APP })] })).toMatchObject({ kind: "passed" });
    // Unknown own id: nothing is filtered.
    expect(judge({ checkRuns: [run("moose", "failure", { appId: MOOSE_APP })], ownAppId: null })).toMatchObject({ kind: "failed" });
  });

  it("counts statuses only when there are some", () => {
    expect(judge({ checkRuns: [run("test", "success")], statuses: [] })).toEqual({ kind: "passed", reason: "all 1 check(s) passed" });
  });
});

describe("failureSignature", () => {
  it("identifies a failure by which checks failed how, in any order", () => {
    const a = judge({ checkRuns: [run("test", "failure"), run("lint", "cancelled")] });
    const b = judge({ checkRuns: [run("lint", "cancelled"), run("test", "failure")] });
    if (a.kind !== "failed" || b.kind !== "failed") throw new Error("expected failures");
    expect(failureSignature(a.failing)).toBe("lint:cancelled|test:failure");
    expect(failureSignature(b.failing)).toBe(failureSignature(a.failing));
  });
});
