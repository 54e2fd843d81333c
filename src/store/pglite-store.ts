// The embedded PGlite adapter: the default store when no database is configured, persisted under MOOSE_DATA_DIR.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite, type PGliteInterface } from "@electric-sql/pglite";
import { applyMigrations } from "./migrations.js";
import type { SqlClient, SqlQueryable } from "./sql-client.js";
import { createSqlBackend } from "./sql-backend.js";
import { createStore } from "./store-backend.js";
import type { Store } from "./store.js";

export const IN_MEMORY = "memory://";

/** PGlite is one connection: its query() and transaction() already queue behind each other, so no extra locking. */
function pgliteClient(db: PGliteInterface): SqlClient {
  const queryable = (target: Pick<PGliteInterface, "query" | "exec">): SqlQueryable => ({
    async query<Row>(text: string, params?: readonly unknown[]) {
      const result = await target.query<Row>(text, params ? [...params] : undefined);
      return { rows: result.rows };
    },
    async exec(script: string) {
      await target.exec(script);
    },
  });
  return {
    ...queryable(db),
    transaction: (work) => db.transaction((tx) => work(queryable(tx))),
    close: () => db.close(),
  };
}

/** Wraps an open PGlite database (e.g. a test's clone of a migrated template), applying any pending migrations. */
export async function createPgliteStore(db: PGliteInterface): Promise<Store> {
  const client = pgliteClient(db);
  await applyMigrations(client);
  return createStore(createSqlBackend("pglite", client));
}

/**
 * Opens the store in `<dataDir>/pglite`, or in memory when `dataDir` is "memory://". Only one process may open a
 * data directory at a time (PGlite is embedded, not a server).
 */
export async function openPgliteStore(options: { dataDir: string }): Promise<Store> {
  let location = IN_MEMORY;
  if (options.dataDir !== IN_MEMORY) {
    location = join(options.dataDir, "pglite");
    mkdirSync(location, { recursive: true });
  }
  const db = await PGlite.create(location);
  try {
    return await createPgliteStore(db);
  } catch (error) {
    await db.close();
    throw error;
  }
}
