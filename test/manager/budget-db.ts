// Test helper: the real migrated store (0001 + 0002) on in-memory PGlite or in a throwaway PostgreSQL schema, with raw SQL beside it.
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { createPgliteStore } from "../../src/store/pglite-store.js";
import { openPostgresStore } from "../../src/store/postgres-store.js";
import type { Store } from "../../src/store/store.js";

export interface Sql {
  query(text: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
}

export interface BudgetDb {
  store: Store;
  /** The same database as `store`, for what the Store does not expose (settle/release booleans, budget_reservations rows). */
  sql: Sql;
  close(): Promise<void>;
}

/** A migrated in-memory database to clone per test: booting and migrating PGlite takes about a second each time. */
export async function migratedPgliteTemplate(): Promise<PGlite> {
  const db = await PGlite.create("memory://");
  await createPgliteStore(db);
  return db;
}

export async function openPgliteBudgetDb(template?: PGlite): Promise<BudgetDb> {
  const db = template ? await template.clone() : await PGlite.create("memory://");
  const store = await createPgliteStore(db);
  return {
    store,
    sql: { query: async (text, params) => (await db.query<Record<string, unknown>>(text, params)).rows },
    close: () => store.close(),
  };
}

/** A fresh schema per call (first on the search_path), so runs never see each other's months or rows. */
export async function openPostgresBudgetDb(databaseUrl: string): Promise<BudgetDb & { pool: pg.Pool }> {
  const schema = `moose_budget_test_${randomBytes(8).toString("hex")}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const url = new URL(databaseUrl);
  url.searchParams.set("options", `-c search_path=${schema}`);
  const store = await openPostgresStore({ connectionString: url.toString() });
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  return {
    store,
    sql: { query: async (text, params) => (await pool.query(text, params)).rows },
    pool,
    close: async () => {
      await store.close();
      await pool.end();
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    },
  };
}

/** A project and an approved work order created through the Store, as the app does; returns the work order id. */
export async function createTestWorkOrder(store: Store, issueNumber = 1): Promise<string> {
  const project = await store.upsertProject({
    installationId: 1,
    githubRepoId: 1,
    owner: "octo",
    repo: "budget",
    defaultBranch: "main",
  });
  const { workOrder } = await store.createWorkOrder({
    projectId: project.id,
    issueNumber,
    title: `Issue ${issueNumber}`,
    description: "d",
    acceptanceCriteria: ["c"],
    filesInScope: ["a.ts"],
    riskLevel: "low",
    dependsOn: [],
    status: "approved",
  });
  return workOrder.id;
}
