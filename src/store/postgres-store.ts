// The PostgreSQL adapter (DATABASE_URL, including Supabase's own Postgres connection string), over a pg Pool.
import pg from "pg";
import { applyMigrations } from "./migrations.js";
import type { SqlClient, SqlQueryable } from "./sql-client.js";
import { createSqlBackend } from "./sql-backend.js";
import { createStore } from "./store-backend.js";
import type { Store } from "./store.js";

export interface PostgresStoreOptions {
  connectionString: string;
  /** Pool size; the default suits one app process. */
  maxConnections?: number;
  /** An idle pooled connection failed (e.g. the server restarted); pg replaces it. Without a listener pg would crash the process. */
  onIdleConnectionError?: (error: Error) => void;
}

/** Both a Pool and a checked-out connection run queries; a transaction must stay on one connection. */
function queryable(target: pg.Pool | pg.PoolClient): SqlQueryable {
  return {
    async query<Row>(text: string, params?: readonly unknown[]) {
      const result = await target.query(text, params ? [...params] : undefined);
      return { rows: result.rows as Row[] };
    },
    async exec(script: string) {
      // Without parameters pg uses the simple query protocol, which accepts several statements.
      await target.query(script);
    },
  };
}

/** A SqlClient over a pg Pool (exported for tests that drive migrations directly). */
export function poolSqlClient(pool: pg.Pool): SqlClient {
  return {
    ...queryable(pool),
    async transaction(work) {
      const connection = await pool.connect();
      try {
        await connection.query("begin");
        const result = await work(queryable(connection));
        await connection.query("commit");
        return result;
      } catch (error) {
        await connection.query("rollback").catch(() => undefined);
        throw error;
      } finally {
        connection.release();
      }
    },
    close: () => pool.end(),
  };
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
  pool.on("error", options.onIdleConnectionError ?? ((error) => process.emitWarning(error)));
  const client = poolSqlClient(pool);
  try {
    await applyMigrations(client);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return createStore(createSqlBackend("postgres", client));
}
