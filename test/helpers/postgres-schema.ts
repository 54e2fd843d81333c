// Which PostgreSQL the tests run against (DATABASE_URL; required on CI), and a throwaway schema per test, so several
// stores (several "instances") can share one database and runs never see each other.
import { randomBytes } from "node:crypto";
import pg from "pg";

export interface PostgresSchema {
  /** `databaseUrl` with this schema first on the search_path. */
  url: string;
  drop(): Promise<void>;
}

/**
 * DATABASE_URL for the PostgreSQL runs, or undefined when they should be skipped (a laptop without a server). On CI
 * an unset DATABASE_URL throws instead: CI must never pass by silently skipping every PostgreSQL test.
 */
export function postgresTestUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = env.DATABASE_URL || undefined;
  if (!url && env.CI && env.CI !== "false") {
    throw new Error("CI is set but DATABASE_URL is not: the PostgreSQL tests would be skipped. Set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test");
  }
  return url;
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
  const schema = `moose_test_${randomBytes(6).toString("hex")}`;
  await withAdmin(databaseUrl, `create schema ${schema}`);
  const url = new URL(databaseUrl);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return { url: url.toString(), drop: () => withAdmin(databaseUrl, `drop schema ${schema} cascade`) };
}
