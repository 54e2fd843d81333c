// The acceptance path through src/index.ts's default export, as `probot run` loads it: a labelled issue becomes
// exactly one work order and one tracking comment, then flows through routing and a proposal to a runner dispatch.
import { PGlite } from "@electric-sql/pglite";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  API,
  REPO_PATH,
  loadWebhookFixture,
  mockInstallationToken,
  mockPermission,
  mockRepoConfig,
  startTestMoose,
  type TestMoose,
} from "./helpers/github-app.js";
import { mockAnthropicProposals } from "./helpers/llm-mocks.js";

/** Every request no mock answered, as "METHOD url" (test/setup.ts fails the test on these too; here they are counted). */
function watchUnansweredRequests(): { requests: string[]; stop(): void } {
  const requests: string[] = [];
  const listener = (req: any) => {
    const url = req?.url ?? (req?.href ? String(req.href) : `${req?.protocol ?? ""}//${req?.host ?? req?.hostname ?? ""}${req?.path ?? ""}`);
    requests.push(`${req?.method ?? "?"} ${url}`);
  };
  nock.emitter.on("no match", listener);
  return { requests, stop: () => nock.emitter.removeListener("no match", listener) };
}

describe("src/index.ts loaded into Probot", () => {
  let moose: TestMoose;
  // The default export opens its own in-memory PGlite; the test keeps a handle on it to read tables no Store method returns.
  let db: PGlite;
  let unanswered: ReturnType<typeof watchUnansweredRequests>;
  beforeEach(async () => {
    const create = PGlite.create.bind(PGlite) as (...args: unknown[]) => Promise<PGlite>;
    // PGlite.create calls itself while it initialises: only the outermost call is the database Moose gets.
    let depth = 0;
    const spy = vi.spyOn(PGlite, "create").mockImplementation((async (...args: unknown[]) => {
      depth += 1;
      try {
        const created = await create(...args);
        if (depth === 1) db = created;
        return created;
      } finally {
        depth -= 1;
      }
    }) as typeof PGlite.create);
    try {
      moose = await startTestMoose({ defaultExport: true, env: { ANTHROPIC_API_KEY: "sk-ant-test-key" } });
    } finally {
      spy.mockRestore();
    }
    expect(db).toBeDefined();
    unanswered = watchUnansweredRequests();
  });
  afterEach(async () => {
    unanswered.stop();
    await moose.stop();
  });

  async function sqlRows<Row>(text: string, params: unknown[] = []): Promise<Row[]> {
    return (await db.query<Row>(text, params)).rows;
  }
  const commentPosts = () => unanswered.requests.filter((request) => /^POST .*\/comments$/.test(request));

  async function activeWorkOrder(issueNumber: number) {
    const project = await moose.runtime.services.store.upsertProject({
      installationId: 2,
      githubRepoId: loadWebhookFixture("issues.labeled").repository.id,
      owner: "octo-org",
      repo: "widgets",
      defaultBranch: "main",
    });
    return moose.runtime.services.store.findActiveWorkOrder(project.id, issueNumber);
  }

  it("creates one work order and one tracking comment for a write user, even when the delivery repeats, and dispatches it", async () => {
    const payload = loadWebhookFixture("issues.labeled");
    mockInstallationToken();
    // Director: configuration, the labeller's permission, the issue as it is now, the tracking comment.
    mockRepoConfig(null);
    mockPermission("maintainer", "write");
    nock(API).get(`${REPO_PATH}/issues/7`).reply(200, payload.issue);
    let trackingPosts = 0;
    const comment = nock(API)
      .post(`${REPO_PATH}/issues/7/comments`, (body) => body.body.includes("moose:tracking") && body.body.includes("approved"))
      .reply(201, () => {
        trackingPosts += 1;
        return { id: 9001 };
      });
    // Manager and Proposer: configuration again, the files in scope from the default branch, one proposal.
    mockRepoConfig(null);
    for (const path of ["src/cli/list.ts", "test/cli/list.test.ts"]) {
      nock(API)
        .get(`${REPO_PATH}/contents/${encodeURIComponent(path)}`)
        .query({ ref: "main" })
        .reply(200, { type: "file", path, size: 20, encoding: "base64", content: Buffer.from(`// ${path}\n`).toString("base64") });
    }
    const models: string[] = [];
    mockAnthropicProposals(1, (model) => models.push(model));
    // Dispatch on the default branch; the tracking comment is edited in place at each stage.
    const dispatch = nock(API)
      .post("/repos/octo-org/widgets/actions/workflows/moose.yml/dispatches", (body) => body.ref === "main" && body.return_run_details === true)
      .reply(200, { workflow_run_id: 555, run_url: "https://api.github.com/x", html_url: "https://github.com/octo-org/widgets/actions/runs/555" });
    const edits = nock(API).patch(`${REPO_PATH}/issues/comments/9001`).times(3).reply(200, {});

    await moose.deliver("issues", payload, "delivery-same");
    await moose.deliver("issues", payload, "delivery-same");

    expect(comment.isDone() && dispatch.isDone() && edits.isDone()).toBe(true);
    // Exactly one comment POST: the one the mock answered, and none that went unanswered.
    expect(trackingPosts).toBe(1);
    expect(commentPosts()).toEqual([]);
    expect(await sqlRows("select issue_number from work_orders")).toEqual([{ issue_number: 7 }]);
    expect(await sqlRows("select delivery_id, outcome from github_events")).toEqual([
      { delivery_id: "delivery-same", outcome: "work order created: approved" },
    ]);
    expect(models).toEqual(["claude-haiku-5-5"]);
    const workOrder = await activeWorkOrder(7);
    expect(workOrder).toMatchObject({
      status: "running",
      issueNumber: 7,
      riskLevel: "low",
      trackingCommentId: 9001,
      runId: 555,
      filesInScope: ["src/cli/list.ts", "test/cli/list.test.ts"],
    });
    expect(workOrder?.branch).toMatch(/^feature\/wo-[0-9a-f]{8}-add-a-json-flag-to-widgets-list$/);
    const decisions = await moose.runtime.services.store.listDecisions(workOrder!.id);
    expect(decisions.map((d) => [d.agent, d.decision])).toEqual([
      ["director", "approved"],
      ["manager", "routed"],
      ["manager", "proposed"],
      ["orchestrator", "dispatched"],
    ]);
    const costs = await moose.runtime.services.store.listCosts(workOrder!.id);
    expect(costs).toHaveLength(1);
    expect(costs[0]).toMatchObject({ stage: "proposal", model: "claude-haiku-5-5", inputTokens: 1_000, outputTokens: 200 });
    expect(costs[0]!.costUsd).toBeCloseTo((1_000 * 0.1 + 200 * 0.5) / 1e6, 10);
  });

  it("creates nothing for a read-only user and says nothing", async () => {
    const payload = loadWebhookFixture("issues.labeled");
    payload.sender.login = "passer-by";
    mockInstallationToken();
    mockRepoConfig(null);
    mockPermission("passer-by", "read");

    await moose.deliver("issues", payload, "delivery-read-only");

    expect(await activeWorkOrder(7)).toBeNull();
    expect(await sqlRows("select count(*)::int as n from work_orders")).toEqual([{ n: 0 }]);
    expect(await sqlRows("select work_order_id, agent, decision, reason from decision_logs")).toEqual([
      { work_order_id: null, agent: "director", decision: "refused", reason: "@passer-by lacks write access" },
    ]);
    expect(await sqlRows("select outcome from github_events where delivery_id = $1", ["delivery-read-only"])).toEqual([
      { outcome: "refused: sender lacks write access" },
    ]);
    expect(commentPosts()).toEqual([]);
  });
});
