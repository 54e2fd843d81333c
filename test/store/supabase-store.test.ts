// The Supabase adapter against PostgREST's documented HTTP shapes (no PostgREST server can run here): the requests
// it sends, how it maps rows back, and how it reports PostgREST errors and a missing schema.
import nock from "nock";
import { describe, expect, it } from "vitest";
import { WORK_ORDER_STATUSES } from "../../src/store/store.js";
import { openSupabaseStore } from "../../src/store/supabase-store.js";

const SUPABASE_URL = "https://abcdefgh.supabase.co";
const SERVICE_ROLE_KEY = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2lnbmF0dXJl";
const MIGRATIONS = [
  { version: "0001_init", sql: "" },
  { version: "0002_budget", sql: "" },
];

const PROJECT_ID = "6f1c1f1e-0000-4000-8000-000000000001";
const WORK_ORDER_ID = "6f1c1f1e-0000-4000-8000-0000000000aa";

/** A work_orders row as PostgREST serialises it: timestamps as ISO strings, bigint as JSON numbers. */
const workOrderJson = {
  id: WORK_ORDER_ID,
  project_id: PROJECT_ID,
  issue_number: 7,
  title: "Add a flag",
  description: "Details",
  acceptance_criteria: ["it works"],
  files_in_scope: ["src/a.ts"],
  risk_level: "low",
  depends_on: [3],
  status: "approved",
  attempt: 1,
  lease_owner: null,
  lease_expires_at: null,
  branch: null,
  pr_number: null,
  pr_url: null,
  run_id: 12345678901,
  tracking_comment_id: 3000000000123,
  metadata: { source: "label" },
  created_at: "2026-11-21T14:46:00.517123+00:00",
  updated_at: "2026-11-21T14:47:00+00:00",
};

function api(): nock.Scope {
  return nock(SUPABASE_URL, {
    reqheaders: {
      apikey: SERVICE_ROLE_KEY,
      authorization: `Bearer ${SERVICE_ROLE_KEY}`,
    },
  });
}

function schemaIsCurrent(): nock.Scope {
  return api()
    .get("/rest/v1/schema_migrations")
    .query({ select: "version" })
    .reply(200, [{ version: "0001_init" }, { version: "0002_budget" }]);
}

async function openStore() {
  schemaIsCurrent();
  return openSupabaseStore({ url: SUPABASE_URL, serviceRoleKey: SERVICE_ROLE_KEY, migrations: MIGRATIONS });
}

describe("Supabase store", () => {
  it("Supabase: refuses to open without the Moose schema, naming the migrations to run", async () => {
    api()
      .get("/rest/v1/schema_migrations")
      .query({ select: "version" })
      .reply(404, {
        code: "PGRST205",
        details: null,
        hint: null,
        message: "Could not find the table 'public.schema_migrations' in the schema cache",
      });
    await expect(
      openSupabaseStore({ url: SUPABASE_URL, serviceRoleKey: SERVICE_ROLE_KEY, migrations: MIGRATIONS }),
    ).rejects.toThrow(/no Moose schema.*SQL editor.*supabase db push.*0001_init\.sql, 0002_budget\.sql/);
  });

  it("Supabase: refuses to open when a migration is missing, naming it", async () => {
    api().get("/rest/v1/schema_migrations").query({ select: "version" }).reply(200, [{ version: "0001_init" }]);
    await expect(
      openSupabaseStore({ url: SUPABASE_URL, serviceRoleKey: SERVICE_ROLE_KEY, migrations: MIGRATIONS }),
    ).rejects.toThrow(/missing Moose migration\(s\) 0002_budget\. .*0002_budget\.sql/);
  });

  it("Supabase: createWorkOrder calls moose_create_work_order over RPC and maps the JSON row", async () => {
    const store = await openStore();
    expect(store.kind).toBe("supabase");
    let sent: unknown;
    api()
      .post("/rest/v1/rpc/moose_create_work_order", (body) => {
        sent = body;
        return true;
      })
      .reply(200, [{ created: true, work_order: workOrderJson }]);

    const result = await store.createWorkOrder({
      projectId: PROJECT_ID,
      issueNumber: 7,
      title: "Add a flag",
      description: "Details",
      acceptanceCriteria: ["it works"],
      filesInScope: ["src/a.ts"],
      riskLevel: "low",
      dependsOn: [3],
      status: "approved",
      metadata: { source: "label" },
    });
    expect(sent).toEqual({
      p_project_id: PROJECT_ID,
      p_issue_number: 7,
      p_title: "Add a flag",
      p_description: "Details",
      p_acceptance_criteria: ["it works"],
      p_files_in_scope: ["src/a.ts"],
      p_risk_level: "low",
      p_depends_on: [3],
      p_status: "approved",
      p_metadata: { source: "label" },
    });
    expect(result.created).toBe(true);
    expect(result.workOrder).toMatchObject({
      id: WORK_ORDER_ID,
      projectId: PROJECT_ID,
      runId: 12_345_678_901,
      trackingCommentId: 3_000_000_000_123,
      dependsOn: [3],
      leaseExpiresAt: null,
      metadata: { source: "label" },
    });
    expect(result.workOrder.createdAt).toEqual(new Date("2026-11-21T14:46:00.517Z"));
  });

  it("Supabase: reads use PostgREST filters (eq, not.in, order, limit)", async () => {
    const store = await openStore();
    api()
      .get("/rest/v1/work_orders")
      .query({
        select: "*",
        project_id: `eq.${PROJECT_ID}`,
        issue_number: "eq.7",
        status: "not.in.(completed,cancelled)",
        limit: "1",
      })
      .reply(200, [workOrderJson]);
    expect((await store.findActiveWorkOrder(PROJECT_ID, 7))?.id).toBe(WORK_ORDER_ID);

    api()
      .get("/rest/v1/work_orders")
      .query({ select: "*", project_id: `eq.${PROJECT_ID}`, pr_number: "eq.42", order: "created_at.desc", limit: "1" })
      .reply(200, []);
    expect(await store.findWorkOrderByPr(PROJECT_ID, 42)).toBeNull();
  });

  it("Supabase: upsertProject posts with on_conflict and merge-duplicates, asking for the row back", async () => {
    const store = await openStore();
    let body: unknown;
    nock(SUPABASE_URL, {
      reqheaders: {
        apikey: SERVICE_ROLE_KEY,
        prefer: (value) => value?.includes("resolution=merge-duplicates") === true && value.includes("return=representation"),
        accept: "application/vnd.pgrst.object+json",
      },
    })
      .post("/rest/v1/projects", (b) => {
        body = b;
        return true;
      })
      .query((q) => q.on_conflict === "github_repo_id" && q.select === "*")
      .reply(201, {
        id: PROJECT_ID,
        installation_id: 5000000001,
        github_repo_id: 4000000123,
        owner: "octo",
        repo: "repo",
        default_branch: "main",
        status: "active",
        created_at: "2026-11-21T14:46:00+00:00",
      });
    const project = await store.upsertProject({
      installationId: 5_000_000_001,
      githubRepoId: 4_000_000_123,
      owner: "octo",
      repo: "repo",
      defaultBranch: "main",
    });
    expect(body).toEqual({
      installation_id: 5_000_000_001,
      github_repo_id: 4_000_000_123,
      owner: "octo",
      repo: "repo",
      default_branch: "main",
      status: "active",
    });
    expect(project).toEqual({
      id: PROJECT_ID,
      installationId: 5_000_000_001,
      githubRepoId: 4_000_000_123,
      owner: "octo",
      repo: "repo",
      defaultBranch: "main",
      status: "active",
      createdAt: new Date("2026-11-21T14:46:00Z"),
    });
  });

  it("Supabase: scalar and void RPCs (recordEvent, renewLease, completeEvent) and jsonb arguments", async () => {
    const store = await openStore();
    api()
      .post("/rest/v1/rpc/moose_record_event", {
        p_delivery_id: "d-1",
        p_name: "issues",
        p_action: "labeled",
        p_installation_id: 1,
        p_repo_full_name: "octo/repo",
        p_payload: [1, { a: "b" }],
      })
      .reply(200, "false", { "content-type": "application/json" });
    expect(
      await store.recordEvent({
        deliveryId: "d-1",
        name: "issues",
        action: "labeled",
        installationId: 1,
        repoFullName: "octo/repo",
        payload: [1, { a: "b" }],
      }),
    ).toEqual({ inserted: false });

    api()
      .post("/rest/v1/rpc/moose_renew_lease", { p_id: WORK_ORDER_ID, p_owner: "w1", p_lease_ms: 30_000 })
      .reply(200, "true", { "content-type": "application/json" });
    expect(await store.renewLease(WORK_ORDER_ID, "w1", 30_000)).toBe(true);

    api()
      .post("/rest/v1/rpc/moose_complete_event", { p_delivery_id: "d-1", p_outcome: "ignored: bot" })
      .reply(204);
    await store.completeEvent("d-1", "ignored: bot");
  });

  it("Supabase: transitionWorkOrder sends the patch with column names and the compare-and-set conditions", async () => {
    const store = await openStore();
    api()
      .post("/rest/v1/rpc/moose_update_work_order", {
        p_id: WORK_ORDER_ID,
        p_patch: { branch: "moose/wo-7", pr_url: null, metadata: { note: "x" } },
        p_from: ["approved"],
        p_to: "proposing",
        p_lease_owner: "w1",
      })
      .reply(200, []);
    expect(
      await store.transitionWorkOrder({
        id: WORK_ORDER_ID,
        from: ["approved"],
        to: "proposing",
        leaseOwner: "w1",
        patch: { branch: "moose/wo-7", prUrl: null, metadata: { note: "x" } },
      }),
    ).toBeNull();
  });

  it("Supabase: PostgREST errors become errors that carry code, message, details and hint", async () => {
    const store = await openStore();
    api()
      .post("/rest/v1/rpc/moose_claim_work_order")
      .reply(400, {
        code: "22P02",
        message: 'invalid input value for enum: "nope"',
        details: "Array value must start with \"{\"",
        hint: "Check the statuses",
      });
    await expect(store.claimWorkOrder("w1", ["approved"], 1000)).rejects.toThrow(
      'supabase rpc moose_claim_work_order failed (22P02): invalid input value for enum: "nope": details: Array value must start with "{": hint: Check the statuses',
    );

    api()
      .get("/rest/v1/decision_logs")
      .query(true)
      .reply(401, { code: "42501", message: "permission denied for table decision_logs", details: null, hint: null });
    await expect(store.listDecisions(WORK_ORDER_ID)).rejects.toThrow(
      /select from decision_logs failed \(42501\): permission denied for table decision_logs$/,
    );
  });

  it("Supabase: a row PostgREST returns in an unexpected shape is reported with the column", async () => {
    const store = await openStore();
    api()
      .get("/rest/v1/work_orders")
      .query(true)
      .reply(200, [{ ...workOrderJson, status: "exploded" }]);
    await expect(store.getWorkOrder(WORK_ORDER_ID)).rejects.toThrow(/unexpected work_orders row:[\s\S]*status/);
  });

  it("Supabase: listWorkOrdersInStatus (the reconciler's worklist) filters by the other statuses, oldest update first", async () => {
    const store = await openStore();
    const others = WORK_ORDER_STATUSES.filter((status) => status !== "dispatching" && status !== "running");
    api()
      .get("/rest/v1/work_orders")
      .query({ select: "*", status: `not.in.(${others.join(",")})`, order: "updated_at.asc", limit: "50" })
      .reply(200, [{ ...workOrderJson, status: "running" }]);
    const listed = await store.listWorkOrdersInStatus(["dispatching", "running"], 50);
    expect(listed.map((wo) => [wo.id, wo.status, wo.runId])).toEqual([[WORK_ORDER_ID, "running", 12345678901]]);
  });
});
