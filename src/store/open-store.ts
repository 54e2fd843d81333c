// Chooses the storage adapter from configuration: PostgreSQL, else Supabase, else embedded PGlite.
import { openPgliteStore } from "./pglite-store.js";
import { openPostgresStore } from "./postgres-store.js";
import type { Store } from "./store.js";
import { openSupabaseStore } from "./supabase-store.js";

export interface StoreConfig {
  /** DATABASE_URL: any PostgreSQL, including Supabase's own Postgres connection string. */
  databaseUrl?: string | undefined;
  /** SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY: Supabase over HTTP. */
  supabaseUrl?: string | undefined;
  supabaseServiceRoleKey?: string | undefined;
  /** MOOSE_DATA_DIR: where PGlite keeps its files (`<dataDir>/pglite`), or "memory://". */
  dataDir: string;
}

export type StoreKind = Store["kind"];

/** Which adapter `openStore` would use; half a Supabase configuration is an error, not a silent fallback. */
export function chooseStoreKind(config: StoreConfig): StoreKind {
  if (config.databaseUrl) return "postgres";
  if (config.supabaseUrl && config.supabaseServiceRoleKey) return "supabase";
  if (config.supabaseUrl || config.supabaseServiceRoleKey) {
    const missing = config.supabaseUrl ? "SUPABASE_SERVICE_ROLE_KEY" : "SUPABASE_URL";
    throw new Error(`Supabase store needs both SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY; ${missing} is not set`);
  }
  return "pglite";
}

export async function openStore(config: StoreConfig): Promise<Store> {
  switch (chooseStoreKind(config)) {
    case "postgres":
      return openPostgresStore({ connectionString: config.databaseUrl as string });
    case "supabase":
      return openSupabaseStore({ url: config.supabaseUrl as string, serviceRoleKey: config.supabaseServiceRoleKey as string });
    case "pglite":
      return openPgliteStore({ dataDir: config.dataDir });
  }
}
