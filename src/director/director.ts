// The Director: turns a labelled issue into a work order (or refuses), and cancels it when the issue goes away.
import { createHash } from "node:crypto";
import type { Context } from "probot";
import { findHardStopKeywords } from "../config/repo-config.js";
import { cancelWorkOrder, completeWorkOrder } from "../endings/endings.js";
import { hasWriteAccess } from "../github/permissions.js";
import { loadRepoConfig } from "../github/repo-config-source.js";
import type { MooseServices } from "../orchestrator/services.js";
import { NOT_STARTED_STATUSES, type Project } from "../store/store.js";
import { withProgress } from "../tracking/tracking-comment.js";
import { refreshTrackingComment } from "../tracking/tracking-sync.js";
import { decideApproval } from "./approval-policy.js";
import { parseIssueBody } from "./issue-body.js";

export interface RepositoryPayload {
  repository: { id: number; name: string; owner: { login: string }; default_branch: string };
  installation?: { id: number } | undefined;
}

/** Marks the Director's replies to a label (invalid config, incomplete issue), so the reconciler never repeats one. */
export const DIRECTOR_REPLY_MARKER = "<!-- moose:director-reply -->";

/** Records the repository as a project; every event carries what is needed, so this costs no API call. */
export async function ensureProject(services: MooseServices, context: { payload: RepositoryPayload }): Promise<Project> {
  const { repository, installation } = context.payload;
  return services.store.upsertProject({
    installationId: installation?.id ?? 0,
    githubRepoId: repository.id,
    owner: repository.owner.login,
    repo: repository.name,
    defaultBranch: repository.default_branch,
  });
}

/** `issues.labeled`: the trigger label from a user with write access creates one work order and one tracking comment. */
export async function directLabeledIssue(context: Context<"issues.labeled">, services: MooseServices): Promise<string> {
  const { payload } = context;
  if (context.isBot) return "ignored: bot sender";
  const labelName = payload.label?.name;
  if (!labelName) return "ignored: no label";

  const loaded = await loadRepoConfig(context.octokit, context.repo());
  const triggerLabel = loaded.ok ? loaded.config.trigger_label : loaded.triggerLabel;
  if (!sameLabel(labelName, triggerLabel)) return "ignored: not the trigger label";

  const repo = context.repo();
  const sender = payload.sender.login;
  if (!(await hasWriteAccess(context.octokit, repo, sender))) {
    // Nothing is created and nothing is said: a comment per attempt would hand anyone a way to make Moose spam.
    await services.store.recordDecision({
      workOrderId: null,
      agent: "director",
      decision: "refused",
      reason: `@${sender} lacks write access`,
      details: { repo: `${repo.owner}/${repo.repo}`, issue: payload.issue.number },
    });
    return "refused: sender lacks write access";
  }

  if (!loaded.ok) {
    await context.octokit.rest.issues.createComment(
      context.issue({ body: `${DIRECTOR_REPLY_MARKER}\nMoose can't start: the configuration is invalid.\n\n${loaded.error}\n\nFix the file on the default branch, then remove and re-add the \`${triggerLabel}\` label.` }),
    );
    return "refused: invalid configuration";
  }
  const config = loaded.config;

  // Deliveries can be late or replayed: act on the issue as it is now, not as the payload remembers it.
  const { data: issue } = await context.octokit.rest.issues.get(context.issue());
  const stillLabelled = issue.labels.some((label) => sameLabel(typeof label === "string" ? label : (label.name ?? ""), triggerLabel));
  if (issue.state !== "open" || !stillLabelled) return "ignored: issue closed or label removed since";

  const project = await ensureProject(services, context);
  const parsed = parseIssueBody(issue.title, issue.body ?? null);
  if (!parsed.ok) {
    await context.octokit.rest.issues.createComment(context.issue({ body: renderMissingFields(parsed.missing, parsed.problems, triggerLabel) }));
    await services.store.recordDecision({
      workOrderId: null,
      agent: "director",
      decision: "needs_info",
      reason: [...parsed.missing.map((m) => `missing ${m}`), ...parsed.problems].join("; "),
      details: { repo: `${repo.owner}/${repo.repo}`, issue: issue.number },
    });
    return "refused: issue body incomplete";
  }

  const { fields } = parsed;
  const hardStops = findHardStopKeywords(
    [fields.title, fields.description, ...fields.acceptanceCriteria].join("\n"),
    config.hard_stop_keywords,
  );
  const decision = decideApproval({ riskLevel: fields.riskLevel, hardStops, policy: config.approval });
  const { workOrder, created } = await services.store.createWorkOrder({
    projectId: project.id,
    issueNumber: issue.number,
    ...fields,
    status: decision.status,
    metadata: {
      labelled_by: sender,
      issue_digest: issueDigest(issue.title, issue.body ?? null),
      hard_stops: hardStops,
      approval_reason: decision.reason,
      ...(decision.status === "approved" ? { approved_by: sender, approved_via: "policy" } : {}),
      ...withProgress({ metadata: {} }, "director", decision.reason, services.now()),
    },
  });
  if (created) {
    await services.store.recordDecision({
      workOrderId: workOrder.id,
      agent: "director",
      decision: decision.status,
      reason: decision.reason,
      details: { risk: fields.riskLevel, hard_stops: hardStops, labelled_by: sender },
    });
  }
  // Also on a replay when the comment is missing: the first attempt may have stopped between row and comment.
  if (created || workOrder.trackingCommentId === null) {
    await refreshTrackingComment(services, context.octokit, repo, workOrder.id);
  }
  return created ? `work order created: ${decision.status}` : "ignored: issue already has an active work order";
}

/** `issues.unlabeled` with the trigger label: cancels a work order that has not started (nothing spent yet). */
export async function cancelForUnlabel(context: Context<"issues.unlabeled">, services: MooseServices): Promise<string> {
  const loaded = await loadRepoConfig(context.octokit, context.repo());
  const triggerLabel = loaded.ok ? loaded.config.trigger_label : loaded.triggerLabel;
  if (!sameLabel(context.payload.label?.name ?? "", triggerLabel)) return "ignored: not the trigger label";
  const project = await ensureProject(services, context);
  const active = await services.store.findActiveWorkOrder(project.id, context.payload.issue.number);
  if (!active) return "ignored: no active work order";
  // Triage can remove labels; only write access may stop a work order, as it may start one.
  if (!(await hasWriteAccess(context.octokit, context.repo(), context.payload.sender.login))) return "ignored: sender lacks write access";
  return cancelWorkOrder(services, context.octokit, context.repo(), active, "the trigger label was removed", context.payload.sender.login, NOT_STARTED_STATUSES);
}

/**
 * `issues.closed`: the work order ends. If its PR was merged (GitHub closes the issue through `Closes #N`, and the
 * events may arrive in either order) it is completed; otherwise it is cancelled and Moose deletes its branch.
 */
export async function endForClosedIssue(context: Context<"issues.closed">, services: MooseServices): Promise<string> {
  const project = await ensureProject(services, context);
  const active = await services.store.findActiveWorkOrder(project.id, context.payload.issue.number);
  if (!active) return "ignored: no active work order";
  const repo = context.repo();
  if (active.prNumber !== null) {
    const { data: pull } = await context.octokit.rest.pulls.get({ ...repo, pull_number: active.prNumber });
    if (pull.merged) return completeWorkOrder(services, context.octokit, repo, active, pull.merged_by?.login ?? null);
  }
  return cancelWorkOrder(services, context.octokit, repo, active, "the issue was closed", context.payload.sender.login);
}

/**
 * A fingerprint of the issue as the work order copied it. An approver approves what they can read on the issue;
 * if the author edited it since, the approval would cover text nobody reviewed.
 */
export function issueDigest(title: string, body: string | null): string {
  return createHash("sha256").update(`${title}\n${body ?? ""}`).digest("hex");
}

// GitHub treats label names case-insensitively.
function sameLabel(a: string, b: string): boolean {
  return a.localeCompare(b, undefined, { sensitivity: "accent" }) === 0;
}

function renderMissingFields(missing: string[], problems: string[], triggerLabel: string): string {
  const lines = [DIRECTOR_REPLY_MARKER, "Moose needs a little more before it can start this work order:", ""];
  for (const item of missing) lines.push(`- Missing: ${item}`);
  for (const item of problems) lines.push(`- ${item}`);
  lines.push(
    "",
    `Edit the issue (the **Moose work order** issue form has every field), then remove and re-add the \`${triggerLabel}\` label.`,
  );
  return lines.join("\n");
}
