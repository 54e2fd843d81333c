// The Sentinel's pure judgement: from the check runs and statuses on a PR head, is it passed, failed, or not yet known?
import { inlineCode } from "../director/untrusted-text.js";

export interface CheckRunFact {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  appId: number | null;
  title: string | null;
  summary: string | null;
  htmlUrl: string | null;
}

export interface StatusFact {
  context: string;
  state: string;
  description: string | null;
  targetUrl: string | null;
}

export interface VerdictInput {
  checkRuns: readonly CheckRunFact[];
  statuses: readonly StatusFact[];
  /** When Moose published this head: checks may take a while to appear after a push. */
  publishedAt: Date;
  now: Date;
  settleMs: number;
  timeoutMs: number;
  /** Moose's own App id: its checks (if any) never judge its own work. */
  ownAppId: number | null;
}

export interface FailingCheck {
  name: string;
  conclusion: string;
  checkRunId: number | null;
  title: string | null;
  summary: string | null;
  url: string | null;
}

export type Verdict =
  | { kind: "pending"; reason: string; waitingForApproval: boolean }
  | { kind: "passed"; reason: string }
  | { kind: "failed"; reason: string; failing: FailingCheck[] }
  | { kind: "timed_out"; reason: string };

export const SETTLING_REASON = "waiting for checks to settle";

const FAILED_CONCLUSIONS = new Set(["failure", "timed_out", "cancelled", "startup_failure", "stale"]);
const FAILED_STATES = new Set(["failure", "error"]);

export function judgeChecks(input: VerdictInput): Verdict {
  const runs = input.checkRuns.filter((run) => input.ownAppId === null || run.appId !== input.ownAppId);
  const sinceMs = input.now.getTime() - input.publishedAt.getTime();
  const timedOut = sinceMs >= input.timeoutMs;
  const settling = sinceMs < input.settleMs;

  const incomplete = runs.filter((run) => run.status !== "completed");
  const needsApproval = runs.filter((run) => run.conclusion === "action_required");
  const pendingStatuses = input.statuses.filter((status) => status.state === "pending");
  if (incomplete.length > 0 || needsApproval.length > 0 || pendingStatuses.length > 0) {
    const waitingForApproval = needsApproval.length > 0;
    const names = [...incomplete, ...needsApproval].map((run) => inlineCode(run.name)).concat(pendingStatuses.map((s) => inlineCode(s.context)));
    if (timedOut) return { kind: "timed_out", reason: `still waiting after ${Math.round(sinceMs / 60_000)} min for: ${names.join(", ")}` };
    return {
      kind: "pending",
      waitingForApproval,
      reason: waitingForApproval
        ? `waiting for a maintainer to approve workflow runs (${needsApproval.map((run) => inlineCode(run.name)).join(", ")})`
        : `waiting for ${names.join(", ")}`,
    };
  }
  // Everything reported so far is done, but a push's checks trickle in: only judge after the settle window.
  if (settling) return { kind: "pending", waitingForApproval: false, reason: SETTLING_REASON };

  const failing: FailingCheck[] = [
    ...runs
      .filter((run) => FAILED_CONCLUSIONS.has(run.conclusion ?? ""))
      .map((run) => ({ name: run.name, conclusion: run.conclusion ?? "failure", checkRunId: run.id, title: run.title, summary: run.summary, url: run.htmlUrl })),
    ...input.statuses
      .filter((status) => FAILED_STATES.has(status.state))
      .map((status) => ({ name: status.context, conclusion: status.state, checkRunId: null, title: status.description, summary: null, url: status.targetUrl })),
  ];
  if (failing.length > 0) {
    return { kind: "failed", failing, reason: `${failing.length} check(s) failed: ${failing.map((f) => `${inlineCode(f.name)} (${f.conclusion})`).join(", ")}` };
  }
  const total = runs.length + input.statuses.length;
  return { kind: "passed", reason: total === 0 ? "no checks reported within the settle window" : `all ${total} check(s) passed` };
}

/** Identifies a failure by which checks failed how, so a fix attempt that fails the same way is not repeated. */
export function failureSignature(failing: readonly FailingCheck[]): string {
  return failing.map((f) => `${f.name}:${f.conclusion}`).sort().join("|");
}
