// The Supabase adapter: reads and plain writes through PostgREST (`.from()`), atomic operations through `.rpc()`
// to the same moose_* SQL functions the other adapters call. It cannot run migrations (no SQL access over HTTP).
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { loadMigrations, type Migration } from "./migrations.js";
import { createStore, JsonValue, type SelectQuery, type StoreBackend } from "./store-backend.js";
import type { Store } from "./store.js";

export interface SupabaseStoreOptions {
  url: string;
  serviceRoleKey: string;
  /** Injected in tests; defaults to the migrations shipped with Moose. */
  migrations?: readonly Migration[];
}

interface PostgrestFailure {
  message: string;
  code?: string;
  details?: string | null;
  hint?: string | null;
}

/** PostgREST answers errors as { code, message, details, hint }; keep all of it, it is what explains the failure. */
function supabaseError(operation: string, error: PostgrestFailure): Error {
  const parts = [`supabase ${operation} failed`];
  if (error.code) parts[0] += ` (${error.code})`;
  parts.push(error.message);
  if (error.details) parts.push(`details: ${error.details}`);
  if (error.hint) parts.push(`hint: ${error.hint}`);
  return new Error(parts.join(": "));
}

async function run<T>(operation: string, request: PromiseLike<{ data: T; error: PostgrestFailure | null }>): Promise<T> {
  const { data, error } = await request;
  if (error) throw supabaseError(operation, error);
  return data;
}

function toJsonBody(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, value instanceof JsonValue ? value.value : value]),
  );
}

function supabaseBackend(client: SupabaseClient): StoreBackend {
  return {
    kind: "supabase",

    async callRows(fn, args) {
      const data = await run(`rpc ${fn}`, client.rpc(fn, toJsonBody(args)));
      if (!Array.isArray(data)) throw new Error(`supabase rpc ${fn} returned ${JSON.stringify(data)}, expected rows`);
      return data;
    },

    async callValue(fn, args) {
      return run(`rpc ${fn}`, client.rpc(fn, toJsonBody(args)));
    },

    async select(table: string, query: SelectQuery) {
      let request = client.from(table).select("*");
      for (const [column, value] of Object.entries(query.equal)) request = request.eq(column, value);
      // An empty "not in" list excludes nothing; PostgREST would reject `not.in.()`.
      if (query.notIn && query.notIn.values.length > 0) request = request.not(query.notIn.column, "in", `(${query.notIn.values.join(",")})`);
      for (const order of query.orderBy ?? []) request = request.order(order.column, { ascending: order.ascending });
      if (query.limit !== undefined) request = request.limit(query.limit);
      const data = await run(`select from ${table}`, request);
      return data ?? [];
    },

    async insert(table, row, options) {
      const body = toJsonBody(row);
      const request = options
        ? client.from(table).upsert(body, { onConflict: options.onConflict })
        : client.from(table).insert(body);
      return run(`insert into ${table}`, request.select("*").single());
    },

    // supabase-js keeps no connection open for PostgREST calls.
    close: async () => undefined,
  };
}

/** Fails with the list of missing migrations when the project's database is not set up for this version of Moose. */
async function checkSchema(client: SupabaseClient, migrations: readonly Migration[]): Promise<void> {
  const { data, error } = await client.from("schema_migrations").select("version");
  const howToFix =
    "Run the SQL files from src/store/migrations/ in order in the Supabase SQL editor (or add them to " +
    "supabase/migrations/ and run `supabase db push`)";
  if (error) {
    const missingTable = error.code === "42P01" || error.code === "PGRST205";
    if (missingTable) {
      throw new Error(
        `Supabase database has no Moose schema (table schema_migrations not found). ${howToFix}: ${migrations.map((m) => `${m.version}.sql`).join(", ")}.`,
      );
    }
    throw supabaseError("schema check", error);
  }
  const applied = new Set((data as { version: string }[]).map((row) => row.version));
  const missing = migrations.filter((m) => !applied.has(m.version));
  if (missing.length > 0) {
    throw new Error(
      `Supabase database is missing Moose migration(s) ${missing.map((m) => m.version).join(", ")}. ${howToFix}: ${missing.map((m) => `${m.version}.sql`).join(", ")}.`,
    );
  }
}

export async function openSupabaseStore(options: SupabaseStoreOptions): Promise<Store> {
  const client = createClient(options.url, options.serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });
  await checkSchema(client, options.migrations ?? loadMigrations());
  return createStore(supabaseBackend(client));
}
