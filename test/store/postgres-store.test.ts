// Runs the store contract on a real PostgreSQL server, each test in a fresh schema so runs never see each other.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { applyMigrations } from "../../src/store/migrations.js";
import { openPostgresStore, poolSqlClient } from "../../src/store/postgres-store.js";
import { freshPostgresSchema, postgresTestUrl } from "../helpers/postgres-schema.js";
import { describeStoreContract } from "./store-contract.js";

const databaseUrl = postgresTestUrl();

// Without a server there is nothing to test against; CI sets DATABASE_URL (postgres://postgres@127.0.0.1:5432/test).
describe.skipIf(!databaseUrl)("PostgreSQL store", () => {
  describeStoreContract("PostgreSQL", async () => {
    const { url, drop } = await freshPostgresSchema(databaseUrl!);
    const store = await openPostgresStore({ connectionString: url });
    expect(store.kind).toBe("postgres");
    return {
      store,
      cleanup: async () => {
        await store.close();
        await drop();
      },
    };
  });

  it("PostgreSQL: two processes opening the same empty schema at once apply each migration once", async () => {
    const { url, drop } = await freshPostgresSchema(databaseUrl!);
    try {
      const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore({ connectionString: url, maxConnections: 2 })));
      await Promise.all(stores.map((s) => s.close()));
      const again = await openPostgresStore({ connectionString: url });
      await again.close();
      const pool = new pg.Pool({ connectionString: url });
      const { rows } = await pool.query<{ version: string }>("select version from schema_migrations order by version");
      await pool.end();
      expect(rows.map((r) => r.version)).toEqual(["0001_init", "0002_budget"]);
    } finally {
      await drop();
    }
  });

  it("PostgreSQL: a migration that fails names itself and leaves nothing half-applied", async () => {
    const { url, drop } = await freshPostgresSchema(databaseUrl!);
    try {
      const pool = new pg.Pool({ connectionString: url });
      const client = poolSqlClient(pool);
      await expect(
        applyMigrations(client, [{ version: "0001_broken", sql: "create table half (id int); select no_such_function();" }]),
      ).rejects.toThrow(/migration 0001_broken failed: .*no_such_function/);
      const { rows } = await client.query<{ half: string | null }>("select to_regclass('half') as half");
      expect(rows[0]?.half).toBeNull();
      await client.close();
    } finally {
      await drop();
    }
  });
});
