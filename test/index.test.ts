// The acceptance path through src/index.ts's default export, as `probot run` loads it: a labelled issue becomes
// exactly one work order and one tracking comment, then flows through routing and a proposal to a runner dispatch.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
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

describe("src/index.ts loaded into Probot", () => {
  let moose: TestMoose;
  beforeEach(async () => {
    moose = await startTestMoose({ defaultExport: true, env: { ANTHROPIC_API_KEY: "sk-ant-test-key" } });
  });
  afterEach(async () => {
    await moose.stop();
  });

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
    const comment = nock(API)
      .post(`${REPO_PATH}/issues/7/comments`, (body) => body.body.includes("moose:tracking") && body.body.includes("approved"))
      .reply(201, { id: 9001 });
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

    await moose.deliver("issues", payload);

    expect(await activeWorkOrder(7)).toBeNull();
  });
});
