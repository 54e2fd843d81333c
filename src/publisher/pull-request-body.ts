// Renders the work order's pull request: Mission Control's title and metadata body, kept in step on every attempt.
import type { WorkOrder } from "../store/store.js";
import { inlineCode } from "../director/untrusted-text.js";
import { shortWorkOrderId } from "../tracking/tracking-comment.js";

export interface PullRequestFacts {
  workOrder: WorkOrder;
  filesModified: readonly string[];
  /** Sum of every attempt's proposal calls; null when unknown. */
  proposalCostUsd: number | null;
  /** Sum of every attempt's Aider sessions; null when the runner could not tell. */
  aiderCostUsd: number | null;
  headSha: string;
}

export function pullRequestTitle(workOrder: Pick<WorkOrder, "id" | "title">): string {
  return `WO-${shortWorkOrderId(workOrder.id)}: ${workOrder.title}`.slice(0, 256);
}

const usd = (value: number | null): string => (value === null ? "unknown" : `$${value.toFixed(4)}`);
const str = (value: unknown): string | null => (typeof value === "string" ? value : null);
const num = (value: unknown): number | null => (typeof value === "number" ? value : null);

/** Closing `Closes #N` keeps GitHub's own link between the PR and the issue; the JSON block is for dashboards. */
export function renderPullRequestBody(facts: PullRequestFacts): string {
  const { workOrder } = facts;
  const meta = workOrder.metadata;
  const hardStops = Array.isArray(meta.hard_stops) ? (meta.hard_stops as string[]) : [];
  const complexity = num(meta.complexity);
  const metadata = {
    work_order_id: workOrder.id,
    issue: workOrder.issueNumber,
    attempt: workOrder.attempt,
    risk_level: workOrder.riskLevel,
    proposer_model: str(meta.proposal_model),
    aider_model: str(meta.aider_model),
    complexity_score: complexity,
    budget_tier: str(meta.budget_tier),
    hard_stop: hardStops.length > 0,
    hard_stop_keywords: hardStops,
    routing_reason: str(meta.routing_reason),
    cost_usd: { proposal: facts.proposalCostUsd, aider: facts.aiderCostUsd },
    files_modified: facts.filesModified,
    head_sha: facts.headSha,
    approved_by: str(meta.approved_by),
  };
  return [
    `## Work order \`WO-${shortWorkOrderId(workOrder.id)}\``,
    "",
    `Closes #${workOrder.issueNumber}`,
    "",
    `**Risk level:** ${workOrder.riskLevel}  `,
    `**Proposer model:** ${str(meta.proposal_model) ?? "unknown"} · **Aider model:** ${str(meta.aider_model) ?? "unknown"}  `,
    `**Complexity score:** ${complexity === null ? "unknown" : complexity.toFixed(2)}  `,
    `**Cost:** proposal ${usd(facts.proposalCostUsd)}, Aider ${usd(facts.aiderCostUsd)}  `,
    `**Hard stop:** ${hardStops.length > 0 ? `yes (${hardStops.join(", ")})` : "no"}  `,
    `**Attempt:** ${workOrder.attempt}`,
    "",
    "## Acceptance criteria",
    "",
    // Criteria come from the issue's author: as code, "Fixes #42" closes nothing and "@team" pings no one.
    ...workOrder.acceptanceCriteria.map((criterion) => `- [ ] ${inlineCode(criterion, 1_000)}`),
    "",
    "## Files modified",
    "",
    ...(facts.filesModified.length > 0 ? facts.filesModified.map((file) => `- ${inlineCode(file, 500)}`) : ["- (none)"]),
    "",
    "## Routing decision",
    "",
    str(meta.routing_reason) ?? "unknown",
    "",
    "## Metadata",
    "",
    "```json",
    JSON.stringify(metadata, null, 2),
    "```",
    "",
    "---",
    "Written by Moose on your own runner. Review it like any other contribution; `/moose retry` starts another attempt.",
  ].join("\n");
}
