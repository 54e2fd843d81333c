// A throwaway PostgreSQL schema per test, so several stores (several "instances") can share one database.
import { randomBytes } from "node:crypto";
import pg from "pg";

export interface PostgresSchema {
  /** `databaseUrl` with this schema first on the search_path. */
  url: string;
  drop(): Promise<void>;
}

async function withAdmin(databaseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function freshPostgresSchema(databaseUrl: string): Promise<PostgresSchema> {
  const schema = `moose_pipeline_test_${randomBytes(6).toString("hex")}`;
  await withAdmin(databaseUrl, `create schema ${schema}`);
  const url = new URL(databaseUrl);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return { url: url.toString(), drop: () => withAdmin(databaseUrl, `drop schema ${schema} cascade`) };
}
