// The Publisher: checks the runner's result through the API, moves the PR branch with the app's token, opens the PR.
import type { ProbotOctokit } from "probot";
import { RETRY_OPTIONS, escalateWorkOrder } from "../escalations/escalate.js";
import { inlineCode } from "../director/untrusted-text.js";
import type { RepoRef } from "../github/permissions.js";
import { monthKey } from "../manager/budget.js";
import { recordAttemptOutcome } from "../orchestrator/attempt-outcome.js";
import type { StageContext, StageOutcome } from "../orchestrator/stage-context.js";
import { workOrderBranchName, workRefFor } from "../runner/runner-contract.js";
import type { WorkOrder } from "../store/store.js";
import { withProgress } from "../tracking/tracking-comment.js";
import { refreshTrackingComment } from "../tracking/tracking-sync.js";
import { judgeChange } from "./change-policy.js";
import { pullRequestTitle, renderPullRequestBody } from "./pull-request-body.js";
import { readRunnerResult } from "./runner-result.js";

const status = (error: unknown): number | undefined => (error as { status?: number }).status;

/** The runner's result branch for this attempt (the work ref without `refs/heads/`). */
function workBranchOf(workOrder: WorkOrder): string {
  return workRefFor(workOrder.id, workOrder.attempt).replace(/^refs\/heads\//, "");
}


export async function readBranchSha(octokit: ProbotOctokit, repo: RepoRef, branch: string): Promise<string | null> {
  try {
    const { data } = await octokit.rest.git.getRef({ ...repo, ref: `heads/${branch}` });
    return data.object.sha;
  } catch (error) {
    if (status(error) === 404) return null;
    throw error;
  }
}

/** Deletes a branch Moose made; one that is already gone is fine. */
export async function deleteBranch(octokit: ProbotOctokit, repo: RepoRef, branch: string): Promise<void> {
  try {
    await octokit.rest.git.deleteRef({ ...repo, ref: `heads/${branch}` });
  } catch (error) {
    if (status(error) !== 404 && status(error) !== 422) throw error;
  }
}

function numberOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** Aider's spend counts against the month like the proposals: recorded once per attempt, never dropped as $0. */
async function recordAiderCost(stage: StageContext, workOrder: WorkOrder, costUsd: number | null, model: string): Promise<void> {
  const { store } = stage.services;
  if (workOrder.metadata.aider_cost_attempt === workOrder.attempt) return;
  await store.recordCost({
    workOrderId: workOrder.id,
    stage: "aider",
    provider: "aider",
    model,
    inputTokens: null,
    outputTokens: null,
    cacheReadTokens: null,
    cacheWriteTokens: null,
    costUsd,
    costEstimated: false,
    latencyMs: null,
    attempt: workOrder.attempt,
  });
  if (costUsd !== null && costUsd > 0) {
    // Already spent on the runner, so no limit can refuse it; reserving and settling puts it in the month's total.
    const reservation = await store.reserveBudget({ month: monthKey(stage.services.now()), workOrderId: workOrder.id, amountUsd: costUsd, limitUsd: Number.MAX_SAFE_INTEGER });
    if (reservation) await store.settleBudget(reservation, costUsd);
  }
  const previous = numberOrNull(workOrder.metadata.aider_cost_usd);
  await store.updateWorkOrder(workOrder.id, {
    metadata: {
      aider_cost_attempt: workOrder.attempt,
      aider_cost_usd: costUsd === null ? previous : (previous ?? 0) + costUsd,
    },
  });
}

async function findOpenPullRequest(octokit: ProbotOctokit, repo: RepoRef, branch: string): Promise<{ number: number; html_url: string } | null> {
  const { data } = await octokit.rest.pulls.list({ ...repo, head: `${repo.owner}:${branch}`, state: "open", per_page: 5 });
  return data[0] ?? null;
}

export async function publishWorkOrder(stage: StageContext, leased: WorkOrder): Promise<StageOutcome> {
  const { services, octokit, repo, project, config } = stage;
  const { store } = services;
  const runId = leased.runId;
  const runUrl = typeof leased.metadata.run_url === "string" ? leased.metadata.run_url : `run ${runId}`;
  const model = String(leased.metadata.aider_model ?? leased.metadata.model ?? "unknown");
  const outcome = (success: boolean, details: Record<string, unknown>) => recordAttemptOutcome(services, leased, success, details);

  const result = runId === null ? null : await readRunnerResult(octokit, repo, runId);
  await recordAiderCost(stage, leased, result?.aiderCostUsd ?? null, model);
  const workOrder = (await store.getWorkOrder(leased.id)) ?? leased;

  if (leased.metadata.run_conclusion !== "success" || !result || result.result !== "success") {
    const why = result ? `${result.result}: ${inlineCode(result.reason, 300)}` : `the run ended \`${String(leased.metadata.run_conclusion)}\` without a report from the Moose action`;
    await outcome(false, { stage: "runner", reason: why });
    await escalateWorkOrder(services, octokit, repo, workOrder, {
      type: "runner",
      severity: "medium",
      message: `Attempt ${workOrder.attempt} produced no change to publish (${why}). Run: ${runUrl}`,
      options: RETRY_OPTIONS,
    });
    return { kind: "stopped", reason: "runner failed" };
  }

  const branch = workOrder.branch ?? workOrderBranchName(workOrder.id, workOrder.title);
  const workBranch = workBranchOf(workOrder);
  const workSha = await readBranchSha(octokit, repo, workBranch);
  if (!workSha) {
    await outcome(false, { stage: "publish", reason: "work ref missing" });
    await escalateWorkOrder(services, octokit, repo, workOrder, {
      type: "publish",
      severity: "medium",
      message: `The runner reported success but its result branch \`${workBranch}\` is gone. Run: ${runUrl}`,
      options: RETRY_OPTIONS,
    });
    return { kind: "stopped", reason: "work ref missing" };
  }

  const prBranchSha = await readBranchSha(octokit, repo, branch);
  // The PR branch already at the result: an earlier try of this stage published it (after validating) and stopped.
  const republishing = prBranchSha === workSha;
  const base = prBranchSha && !republishing ? prBranchSha : project.defaultBranch;
  const { data: compare } = await octokit.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: `${base}...${workSha}`, per_page: 100 });
  const verdict = judgeChange(
    // Republishing compares with the default branch only to list the files; the fast-forward was checked before.
    {
      status: republishing ? "ahead" : compare.status,
      behindBy: republishing ? 0 : compare.behind_by,
      aheadBy: compare.ahead_by,
      files: compare.files ?? [],
      commitMessages: (compare.commits ?? []).map((commit) => commit.commit.message),
    },
    workOrder.filesInScope,
    config.limits,
    workOrder.issueNumber,
  );
  if (!verdict.ok) {
    await deleteBranch(octokit, repo, workBranch);
    await outcome(false, { stage: "publish", problems: verdict.problems });
    await escalateWorkOrder(services, octokit, repo, workOrder, {
      type: "validation",
      severity: "high",
      message: `Moose refused to publish attempt ${workOrder.attempt}: ${verdict.problems.join("; ")}.`,
      options: RETRY_OPTIONS,
    });
    return { kind: "stopped", reason: "change refused" };
  }

  // With the installation token, so the PR's CI runs on it (a push by the job's GITHUB_TOKEN would start nothing).
  if (!prBranchSha) await octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha: workSha });
  else if (!republishing) await octokit.rest.git.updateRef({ ...repo, ref: `heads/${branch}`, sha: workSha, force: false });

  const facts = {
    workOrder,
    filesModified: verdict.files,
    proposalCostUsd: numberOrNull(workOrder.metadata.proposal_cost_usd),
    aiderCostUsd: numberOrNull(workOrder.metadata.aider_cost_usd),
    headSha: workSha,
  };
  let pr = workOrder.prNumber !== null && workOrder.prUrl ? { number: workOrder.prNumber, html_url: workOrder.prUrl } : await findOpenPullRequest(octokit, repo, branch);
  if (pr) {
    await octokit.rest.pulls.update({ ...repo, pull_number: pr.number, body: renderPullRequestBody(facts) });
  } else {
    const { data } = await octokit.rest.pulls.create({
      ...repo,
      title: pullRequestTitle(workOrder),
      head: branch,
      base: project.defaultBranch,
      body: renderPullRequestBody(facts),
      draft: config.pull_request.draft,
    });
    pr = { number: data.number, html_url: data.html_url };
    await octokit.rest.issues.addLabels({ ...repo, issue_number: pr.number, labels: [config.trigger_label] });
    const approver = typeof workOrder.metadata.approved_by === "string" ? workOrder.metadata.approved_by : null;
    if (config.pull_request.reviewers_from_approver && approver) {
      try {
        await octokit.rest.pulls.requestReviewers({ ...repo, pull_number: pr.number, reviewers: [approver] });
      } catch (error) {
        // A reviewer GitHub will not accept (left the repository, say) must not lose the published PR.
        if (status(error) !== 422) throw error;
      }
    }
  }
  const published = await store.transitionWorkOrder({
    id: workOrder.id,
    from: ["publishing"],
    to: "pr_open",
    leaseOwner: services.workerId,
    patch: {
      prNumber: pr.number,
      prUrl: pr.html_url,
      metadata: {
        head_sha: workSha,
        published_at: services.now().toISOString(),
        files_modified: verdict.files,
        sentinel: null,
        ...withProgress(workOrder, "publisher", `attempt ${workOrder.attempt} published to #${pr.number} (${verdict.files.length} file(s), ${verdict.lines} line(s))`, services.now()),
      },
    },
  });
  if (!published) {
    // Cancelled (or merged) while this stage ran: undo what it just published rather than leave a stray PR.
    const now = await store.getWorkOrder(workOrder.id);
    if (now?.status === "cancelled") {
      await octokit.rest.pulls.update({ ...repo, pull_number: pr.number, state: "closed" });
      await deleteBranch(octokit, repo, branch);
      await deleteBranch(octokit, repo, workBranch);
    }
    return { kind: "stopped", reason: "lease lost" };
  }
  // Only now: until the work order has moved on, a retry of this stage still needs the result branch.
  await deleteBranch(octokit, repo, workBranch);
  await store.recordDecision({
    workOrderId: workOrder.id,
    agent: "orchestrator",
    decision: "published",
    reason: `attempt ${workOrder.attempt} → PR #${pr.number} at ${workSha.slice(0, 12)}`,
    details: { files: verdict.files, head_sha: workSha },
  });
  await refreshTrackingComment(services, octokit, repo, workOrder.id);
  return { kind: "stopped", reason: "pull request open" };
}
