// The PR Moose opens: Mission Control's title and metadata body, with `Closes #N` and a parseable JSON block.
import { describe, expect, it } from "vitest";
import { pullRequestTitle, renderPullRequestBody, type PullRequestFacts } from "../../src/publisher/pull-request-body.js";
import type { WorkOrder } from "../../src/store/store.js";

function workOrder(overrides: Partial<WorkOrder> = {}): WorkOrder {
  return {
    id: "3f2a1b4c-0000-4000-8000-000000000001",
    projectId: "p",
    issueNumber: 42,
    title: "Add a --json flag",
    description: "d",
    acceptanceCriteria: ["prints JSON", "keeps the table\nby default"],
    filesInScope: ["src/cli/list.ts"],
    riskLevel: "medium",
    dependsOn: [],
    status: "publishing",
    attempt: 2,
    leaseOwner: null,
    leaseExpiresAt: null,
    branch: null,
    prNumber: null,
    prUrl: null,
    runId: 1,
    trackingCommentId: null,
    metadata: {
      proposal_model: "claude-sonnet-5-5",
      aider_model: "anthropic/claude-sonnet-5-5",
      complexity: 0.456,
      budget_tier: "normal",
      hard_stops: ["migration"],
      routing_reason: "complexity 0.46 → claude-sonnet-5-5",
      approved_by: "maintainer",
    },
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  };
}

const facts = (overrides: Partial<PullRequestFacts> = {}): PullRequestFacts => ({
  workOrder: workOrder(),
  filesModified: ["src/cli/list.ts", "odd`name.ts"],
  proposalCostUsd: 0.01234,
  aiderCostUsd: null,
  headSha: "a".repeat(40),
  ...overrides,
});

function metadataBlock(body: string): Record<string, unknown> {
  return JSON.parse(/```json\n([\s\S]*?)\n```/.exec(body)![1]!) as Record<string, unknown>;
}

describe("pullRequestTitle", () => {
  it("is WO-<short id>: <title>, capped at GitHub's length", () => {
    expect(pullRequestTitle(workOrder())).toBe("WO-3f2a1b4c: Add a --json flag");
    expect(pullRequestTitle(workOrder({ title: "x".repeat(400) }))).toHaveLength(256);
  });
});

describe("renderPullRequestBody", () => {
  it("carries Mission Control's metadata, the criteria as a checklist, the files and Closes #issue", () => {
    const body = renderPullRequestBody(facts());
    expect(body).toContain("Closes #42");
    expect(body).toContain("**Risk level:** medium");
    expect(body).toContain("**Proposer model:** claude-sonnet-5-5");
    expect(body).toContain("**Complexity score:** 0.46");
    expect(body).toContain("**Cost:** proposal $0.0123, Aider unknown");
    expect(body).toContain("**Hard stop:** yes (migration)");
    // Criteria are the issue author's text: shown as code, so "Fixes #42" closes nothing and mentions ping no one.
    expect(body).toContain("- [ ] `prints JSON`\n- [ ] `keeps the table by default`");
    expect(body).toContain("- `src/cli/list.ts`\n- ``odd`name.ts``"); // a backtick cannot break out of the code span
    expect(body).toContain("## Routing decision\n\ncomplexity 0.46 → claude-sonnet-5-5");
  });

  it("ends with a metadata JSON block dashboards can parse", () => {
    expect(metadataBlock(renderPullRequestBody(facts()))).toEqual({
      work_order_id: "3f2a1b4c-0000-4000-8000-000000000001",
      issue: 42,
      attempt: 2,
      risk_level: "medium",
      proposer_model: "claude-sonnet-5-5",
      aider_model: "anthropic/claude-sonnet-5-5",
      complexity_score: 0.456,
      budget_tier: "normal",
      hard_stop: true,
      hard_stop_keywords: ["migration"],
      routing_reason: "complexity 0.46 → claude-sonnet-5-5",
      cost_usd: { proposal: 0.01234, aider: null },
      files_modified: ["src/cli/list.ts", "odd`name.ts"],
      head_sha: "a".repeat(40),
      approved_by: "maintainer",
    });
  });

  it("says unknown rather than inventing values when metadata is missing", () => {
    const body = renderPullRequestBody(facts({ workOrder: workOrder({ metadata: {} }), filesModified: [], proposalCostUsd: null }));
    expect(body).toContain("**Hard stop:** no");
    expect(body).toContain("**Complexity score:** unknown");
    expect(body).toContain("**Cost:** proposal unknown, Aider unknown");
    expect(body).toContain("- (none)");
    expect(metadataBlock(body)).toMatchObject({ proposer_model: null, complexity_score: null, hard_stop: false });
  });
});
