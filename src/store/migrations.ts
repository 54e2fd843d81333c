// Finding, reading and applying the versioned SQL migrations in src/store/migrations/.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SqlClient } from "./sql-client.js";

export interface Migration {
  /** The file name without `.sql`, e.g. "0001_init"; the key in `schema_migrations`. */
  version: string;
  sql: string;
}

const MIGRATION_FILE = /^(\d{4}_[a-z0-9_]+)\.sql$/;

/**
 * Where the .sql files live. `tsc` compiles src/ to lib/ without copying .sql files, so from lib/store/ the
 * migrations are found back in src/store/migrations/ (the package ships src/). Reading the files, rather than
 * embedding copies in a .ts module, keeps one source of truth that Supabase users can also paste into the SQL editor.
 */
export function migrationDirectoryCandidates(moduleUrl: string): URL[] {
  return [new URL("./migrations/", moduleUrl), new URL("../../src/store/migrations/", moduleUrl)];
}

export function findMigrationDirectory(moduleUrl: string = import.meta.url): string {
  const candidates = migrationDirectoryCandidates(moduleUrl).map((url) => fileURLToPath(url));
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) {
    throw new Error(`store migrations not found; looked in ${candidates.join(" and ")}`);
  }
  return found;
}

/** Migrations in version order. Each file must record itself in schema_migrations so a hand-run file counts too. */
export function loadMigrations(directory: string = findMigrationDirectory()): Migration[] {
  const files = readdirSync(directory)
    .filter((name) => name.endsWith(".sql"))
    .sort();
  return files.map((name) => {
    const match = MIGRATION_FILE.exec(name);
    if (!match?.[1]) {
      throw new Error(`${directory}/${name}: migration file names must look like 0001_name.sql (lower case)`);
    }
    const version = match[1];
    const sql = readFileSync(join(directory, name), "utf8");
    if (!sql.includes(`insert into schema_migrations (version) values ('${version}')`)) {
      throw new Error(`${directory}/${name}: must end with insert into schema_migrations (version) values ('${version}')`);
    }
    return { version, sql };
  });
}

const CREATE_MIGRATIONS_TABLE = `create table if not exists schema_migrations (
  version text primary key,
  applied_at timestamptz not null default now()
)`;

/**
 * Applies every migration not yet recorded, each in its own transaction. The advisory lock (keyed by schema, so
 * isolated test schemas do not wait on each other) makes a second process starting at the same time wait, then
 * see the migration as applied and skip it.
 */
export async function applyMigrations(client: SqlClient, migrations: readonly Migration[] = loadMigrations()): Promise<string[]> {
  const applied: string[] = [];
  for (const migration of migrations) {
    const ran = await client.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock(hashtext('moose_migrations:' || current_schema()))");
      await tx.query(CREATE_MIGRATIONS_TABLE);
      const { rows } = await tx.query("select 1 from schema_migrations where version = $1", [migration.version]);
      if (rows.length > 0) return false;
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        throw new Error(`migration ${migration.version} failed: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
      await tx.query("insert into schema_migrations (version) values ($1) on conflict (version) do nothing", [
        migration.version,
      ]);
      return true;
    });
    if (ran) applied.push(migration.version);
  }
  return applied;
}
