// StoreBackend over a direct SQL connection (PostgreSQL or PGlite): builds parameterised statements.
import type { SqlClient } from "./sql-client.js";
import { JsonValue, type SelectQuery, type StoreBackend } from "./store-backend.js";

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Table, column and function names come from this package's code, never from input; checked anyway. */
function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a valid SQL identifier: ${JSON.stringify(name)}`);
  return name;
}

function toParameter(value: unknown): unknown {
  return value instanceof JsonValue ? JSON.stringify(value.value) : value;
}

/** `fn(p_a => $1, p_b => $2)` with the matching parameter list. */
function namedCall(fn: string, args: Record<string, unknown>): { text: string; params: unknown[] } {
  const entries = Object.entries(args);
  const list = entries.map(([name], index) => `${identifier(name)} => $${index + 1}`).join(", ");
  return { text: `${identifier(fn)}(${list})`, params: entries.map(([, value]) => toParameter(value)) };
}

export function createSqlBackend(kind: "postgres" | "pglite", client: SqlClient): StoreBackend {
  return {
    kind,

    async callRows(fn, args) {
      const call = namedCall(fn, args);
      return (await client.query(`select * from ${call.text}`, call.params)).rows;
    },

    async callValue(fn, args) {
      const call = namedCall(fn, args);
      const { rows } = await client.query<{ value: unknown }>(`select ${call.text} as value`, call.params);
      return rows[0]?.value;
    },

    async select(table: string, query: SelectQuery) {
      const params: unknown[] = [];
      const conditions = Object.entries(query.equal).map(([column, value]) => {
        params.push(value);
        return `${identifier(column)} = $${params.length}`;
      });
      if (query.notIn) {
        params.push(query.notIn.values);
        conditions.push(`not (${identifier(query.notIn.column)} = any ($${params.length}))`);
      }
      let text = `select * from ${identifier(table)}`;
      if (conditions.length > 0) text += ` where ${conditions.join(" and ")}`;
      if (query.orderBy?.length) {
        text += ` order by ${query.orderBy.map((o) => `${identifier(o.column)} ${o.ascending ? "asc" : "desc"}`).join(", ")}`;
      }
      if (query.limit !== undefined) {
        params.push(query.limit);
        text += ` limit $${params.length}`;
      }
      return (await client.query(text, params)).rows;
    },

    async insert(table, row, options) {
      const columns = Object.keys(row).map(identifier);
      const placeholders = columns.map((_, index) => `$${index + 1}`);
      let text = `insert into ${identifier(table)} (${columns.join(", ")}) values (${placeholders.join(", ")})`;
      if (options) {
        const conflict = options.onConflict.split(",").map((c) => identifier(c.trim()));
        const updates = columns.filter((c) => !conflict.includes(c)).map((c) => `${c} = excluded.${c}`);
        text += ` on conflict (${conflict.join(", ")}) do update set ${updates.join(", ")}`;
      }
      const { rows } = await client.query(`${text} returning *`, Object.values(row).map(toParameter));
      return rows[0];
    },

    close: () => client.close(),
  };
}
