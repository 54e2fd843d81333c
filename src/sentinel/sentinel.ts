// The Sentinel: re-reads the checks on a Moose PR's head, records a verdict, reports it, and optionally auto-fixes.
import type { ProbotOctokit } from "probot";
import { inlineCode } from "../director/untrusted-text.js";
import type { RepoRef } from "../github/permissions.js";
import { recordAttemptOutcome } from "../orchestrator/attempt-outcome.js";
import { FRESH_ATTEMPT, type StageContext } from "../orchestrator/stage-context.js";
import type { WorkOrder } from "../store/store.js";
import { withProgress } from "../tracking/tracking-comment.js";
import { refreshTrackingComment } from "../tracking/tracking-sync.js";
import { renderFailureDigest, type CheckAnnotation } from "./failure-digest.js";
import { SETTLING_REASON, failureSignature, judgeChecks, type CheckRunFact, type FailingCheck, type StatusFact, type Verdict } from "./verdict.js";

export async function listCheckRuns(octokit: ProbotOctokit, repo: RepoRef, ref: string): Promise<CheckRunFact[]> {
  const runs = await octokit.paginate(octokit.rest.checks.listForRef, { ...repo, ref, filter: "latest", per_page: 100 });
  return runs.map((run) => ({
    id: run.id,
    name: run.name,
    status: run.status,
    conclusion: run.conclusion ?? null,
    appId: run.app?.id ?? null,
    title: run.output?.title ?? null,
    summary: run.output?.summary ?? null,
    htmlUrl: run.html_url ?? null,
  }));
}

async function listStatuses(octokit: ProbotOctokit, repo: RepoRef, ref: string): Promise<StatusFact[]> {
  const { data } = await octokit.rest.repos.getCombinedStatusForRef({ ...repo, ref, per_page: 100 });
  // Actions-only repositories always read "pending" with no statuses at all: only real statuses count.
  if (data.total_count === 0) return [];
  return data.statuses.map((status) => ({
    context: status.context,
    state: status.state,
    description: status.description ?? null,
    targetUrl: status.target_url ?? null,
  }));
}

async function readAnnotations(octokit: ProbotOctokit, repo: RepoRef, failing: readonly FailingCheck[]): Promise<Map<number, CheckAnnotation[]>> {
  const byCheck = new Map<number, CheckAnnotation[]>();
  for (const check of failing.slice(0, 5)) {
    if (check.checkRunId === null) continue;
    const { data } = await octokit.rest.checks.listAnnotations({ ...repo, check_run_id: check.checkRunId, per_page: 20 });
    byCheck.set(
      check.checkRunId,
      data.map((a) => ({ path: a.path, startLine: a.start_line ?? null, level: a.annotation_level ?? null, message: a.message ?? "" })),
    );
  }
  return byCheck;
}

function renderSentinelComment(workOrder: WorkOrder, headSha: string, verdict: Verdict, digest: string | null, autoFix: string | null): string {
  const heading =
    verdict.kind === "passed" ? "checks passed" : verdict.kind === "failed" ? "checks failed" : verdict.kind === "timed_out" ? "checks timed out" : "waiting";
  const lines = [`<!-- moose:sentinel work-order=${workOrder.id} -->`, `### Moose Sentinel: ${heading} on \`${headSha.slice(0, 12)}\``, "", verdict.reason];
  if (digest) {
    // CI output is untrusted: shown inside a fence so it cannot format or ping anything.
    const fence = "`".repeat(Math.max(3, ...[...digest.matchAll(/`+/g)].map((m) => m[0].length + 1)));
    lines.push("", "<details><summary>Failure digest</summary>", "", fence + "text", digest, fence, "", "</details>");
  }
  if (autoFix) lines.push("", autoFix);
  if (verdict.kind !== "passed") lines.push("", "Comment `/moose retry` to try again, `/moose retry --escalate` for a stronger model, or `/moose cancel`.");
  return lines.join("\n");
}

async function upsertSentinelComment(octokit: ProbotOctokit, repo: RepoRef, workOrder: WorkOrder, body: string): Promise<number> {
  const existing = typeof workOrder.metadata.sentinel_comment_id === "number" ? workOrder.metadata.sentinel_comment_id : null;
  if (existing !== null) {
    try {
      await octokit.rest.issues.updateComment({ ...repo, comment_id: existing, body });
      return existing;
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw error;
    }
  }
  const { data } = await octokit.rest.issues.createComment({ ...repo, issue_number: workOrder.prNumber!, body });
  return data.id;
}

/** Failing check names that also fail on the default branch: not this change's fault, so no auto-fix for them. */
async function failingOnBase(stage: StageContext, names: readonly string[]): Promise<string[]> {
  const { octokit, repo, project } = stage;
  const { data: branch } = await octokit.rest.repos.getBranch({ ...repo, branch: project.defaultBranch });
  const baseRuns = await listCheckRuns(octokit, repo, branch.commit.sha);
  return names.filter((name) => baseRuns.some((run) => run.name === name && ["failure", "timed_out", "startup_failure"].includes(run.conclusion ?? "")));
}

/**
 * Judges the PR head Moose published. Returns what happened, for the event's outcome. The caller holds the lease.
 * A head moved by someone else stops the Sentinel: that commit is no longer Moose's attempt to judge.
 */
export async function runSentinel(stage: StageContext, workOrder: WorkOrder): Promise<string> {
  const { services, octokit, repo, config } = stage;
  const { store } = services;
  const headSha = typeof workOrder.metadata.head_sha === "string" ? workOrder.metadata.head_sha : null;
  if (workOrder.status !== "pr_open" || workOrder.prNumber === null || !headSha) return "ignored: not waiting for checks";
  const previous = (workOrder.metadata.sentinel ?? null) as { state?: string; reason?: string } | null;

  const { data: pull } = await octokit.rest.pulls.get({ ...repo, pull_number: workOrder.prNumber });
  if (pull.head.sha !== headSha) {
    if (previous?.state !== "stopped") {
      await store.updateWorkOrder(workOrder.id, {
        metadata: {
          sentinel: { state: "stopped", reason: `head moved to ${pull.head.sha.slice(0, 12)}` },
          ...withProgress(workOrder, "sentinel", `the PR head moved to ${pull.head.sha.slice(0, 12)} (not Moose's): Sentinel stopped`, services.now()),
        },
      });
      await refreshTrackingComment(services, octokit, repo, workOrder.id);
    }
    return "sentinel stopped: head changed";
  }

  const [checkRuns, statuses] = await Promise.all([listCheckRuns(octokit, repo, headSha), listStatuses(octokit, repo, headSha)]);
  const verdict = judgeChecks({
    checkRuns,
    statuses,
    publishedAt: new Date(String(workOrder.metadata.published_at ?? services.now().toISOString())),
    now: services.now(),
    settleMs: config.sentinel.settle_seconds * 1_000,
    timeoutMs: config.sentinel.timeout_minutes * 60_000,
    ownAppId: services.appId,
  });

  if (verdict.kind === "pending") {
    await scheduleRecheck(stage, workOrder, headSha, verdict.reason === SETTLING_REASON ? "settle" : "timeout");
    if (previous?.reason !== verdict.reason) {
      await store.updateWorkOrder(workOrder.id, {
        metadata: {
          sentinel: { state: "pending", reason: verdict.reason, waiting_for_approval: verdict.waitingForApproval },
          ...(verdict.waitingForApproval ? withProgress(workOrder, "sentinel", verdict.reason, services.now()) : {}),
        },
      });
      if (verdict.waitingForApproval) await refreshTrackingComment(services, octokit, repo, workOrder.id);
    }
    return `sentinel pending: ${verdict.reason}`;
  }

  const failing = verdict.kind === "failed" ? verdict.failing : [];
  const digest = failing.length > 0 ? renderFailureDigest(failing, await readAnnotations(octokit, repo, failing)) : null;
  const signature = failing.length > 0 ? failureSignature(failing) : null;
  const autoFix = verdict.kind === "failed" && signature ? await planAutoFix(stage, workOrder, failing, signature) : null;
  // Everything that can fail on GitHub happens before the verdict is stored, so a retried event finds the work order
  // still waiting and finishes the job; the comment id is kept first so that retry edits the comment, not adds one.
  const commentId = await upsertSentinelComment(octokit, repo, workOrder, renderSentinelComment(workOrder, headSha, verdict, digest, autoFix?.note ?? null));
  if (workOrder.metadata.sentinel_comment_id !== commentId) await store.updateWorkOrder(workOrder.id, { metadata: { sentinel_comment_id: commentId } });

  const to = verdict.kind === "passed" ? "checks_passed" : "checks_failed";
  const judged = await store.transitionWorkOrder({
    id: workOrder.id,
    from: ["pr_open"],
    to,
    patch: {
      metadata: {
        sentinel: { state: verdict.kind, reason: verdict.reason, head_sha: headSha, signature, digest },
        ...withProgress(workOrder, "sentinel", `${verdict.kind === "passed" ? "checks passed" : verdict.kind === "failed" ? "checks failed" : "checks timed out"}: ${verdict.reason}`, services.now()),
      },
    },
  });
  if (!judged) return "ignored: verdict already recorded";
  await store.recordDecision({ workOrderId: workOrder.id, agent: "sentinel", decision: verdict.kind, reason: verdict.reason, details: { head_sha: headSha, signature } });
  await recordAttemptOutcome(services, workOrder, verdict.kind === "passed", { stage: "checks", verdict: verdict.kind, head_sha: headSha });
  if (autoFix?.start && digest) {
    await store.transitionWorkOrder({
      id: workOrder.id,
      from: ["checks_failed"],
      to: "approved",
      patch: {
        attempt: judged.attempt + 1,
        runId: null,
        metadata: {
          ...FRESH_ATTEMPT,
          fix_digest: digest,
          auto_fix_attempts: autoFixAttempts(judged) + 1,
          auto_fix_signature: signature,
          ...withProgress(judged, "sentinel", `auto-fix attempt ${autoFixAttempts(judged) + 1} started for: ${verdict.reason}`, services.now()),
        },
      },
    });
  }
  await refreshTrackingComment(services, octokit, repo, workOrder.id);
  return `sentinel verdict: ${verdict.kind}${autoFix?.start ? " (auto-fix started)" : ""}`;
}

/** The event name of the Sentinel's own re-checks (see scheduleRecheck). */
export const SENTINEL_RECHECK_EVENT = "moose_sentinel_recheck";

/**
 * Check events only arrive when checks change. If every check finished inside the settle window, or some never
 * finish, no event would come to judge the head: the Sentinel books its own wake-up in the durable event queue, at
 * the end of the settle window or at the timeout. One per head and reason, however often it is evaluated.
 */
async function scheduleRecheck(stage: StageContext, workOrder: WorkOrder, headSha: string, reason: "settle" | "timeout"): Promise<void> {
  const { services, config, project } = stage;
  const publishedAt = Date.parse(String(workOrder.metadata.published_at ?? services.now().toISOString()));
  const dueAt = publishedAt + (reason === "settle" ? config.sentinel.settle_seconds * 1_000 : config.sentinel.timeout_minutes * 60_000) + 1_000;
  await services.store.recordEvent({
    deliveryId: `sentinel:${workOrder.id}:${headSha}:${reason}`,
    name: SENTINEL_RECHECK_EVENT,
    action: reason,
    installationId: project.installationId,
    repoFullName: `${project.owner}/${project.repo}`,
    payload: { work_order_id: workOrder.id, head_sha: headSha },
    notBeforeMs: Math.max(1, dueAt - services.now().getTime()),
  });
}

function autoFixAttempts(workOrder: WorkOrder): number {
  return typeof workOrder.metadata.auto_fix_attempts === "number" ? workOrder.metadata.auto_fix_attempts : 0;
}

async function planAutoFix(
  stage: StageContext,
  workOrder: WorkOrder,
  failing: readonly FailingCheck[],
  signature: string,
): Promise<{ start: boolean; note: string } | null> {
  const { auto_fix: autoFix } = stage.config;
  if (!autoFix.enabled) return null;
  const attempts = autoFixAttempts(workOrder);
  if (attempts >= autoFix.max_attempts) return { start: false, note: `Auto-fix stopped: ${attempts} attempt(s) used of ${autoFix.max_attempts}.` };
  if (workOrder.metadata.auto_fix_signature === signature) {
    return { start: false, note: "Auto-fix stopped: the previous fix attempt failed the same way." };
  }
  const alsoOnBase = await failingOnBase(stage, failing.map((f) => f.name));
  if (alsoOnBase.length > 0) {
    return { start: false, note: `Auto-fix stopped: ${alsoOnBase.map((name) => inlineCode(name)).join(", ")} also fail(s) on ${stage.project.defaultBranch}, so this change did not break them.` };
  }
  return { start: true, note: `Auto-fix: Moose starts attempt ${workOrder.attempt + 1} with this digest (${attempts + 1} of ${autoFix.max_attempts}).` };
}
