// The budget reservation SQL (src/store/migrations/0002_budget.sql) on PGlite, and on PostgreSQL when DATABASE_URL is set.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { budgetMigrations, openPgliteLedger } from "./budget-db.js";

interface Sql {
  query(text: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
}

function budgetContract(name: string, open: () => Promise<{ sql: Sql; close: () => Promise<void> }>) {
  describe(name, () => {
    let sql: Sql;
    let close: () => Promise<void>;
    let monthCounter = 0;
    // A month of its own per test: the advisory lock and the sums are per month.
    const freshMonth = () => `${2100 + monthCounter++}-01`;

    beforeAll(async () => {
      ({ sql, close } = await open());
    });
    afterAll(async () => {
      await close();
    });

    const reserve = async (month: string, amount: number, limit: number, workOrderId: string | null = null) => {
      const rows = await sql.query("select moose_reserve_budget($1, $2, $3, $4) as id", [month, workOrderId, amount, limit]);
      return rows[0]?.id as string | null;
    };
    const spend = async (month: string) => {
      const rows = await sql.query("select spent, reserved from moose_month_spend($1)", [month]);
      return { spent: Number(rows[0]?.spent), reserved: Number(rows[0]?.reserved) };
    };

    it("never lets 50 concurrent $0.03 reservations exceed a $1 limit", async () => {
      const month = freshMonth();
      const ids = await Promise.all(Array.from({ length: 50 }, () => reserve(month, 0.03, 1)));
      const granted = ids.filter((id) => id !== null);
      expect(granted).toHaveLength(33);
      expect(new Set(granted).size).toBe(33);
      const { spent, reserved } = await spend(month);
      expect(spent).toBe(0);
      expect(reserved).toBeCloseTo(0.99, 10);
      expect(spent + reserved).toBeLessThanOrEqual(1);
    });

    it("settles a reservation at its actual cost and counts that against the limit", async () => {
      const month = freshMonth();
      const id = await reserve(month, 0.5, 1);
      expect(id).not.toBeNull();
      const settled = await sql.query("select moose_settle_budget($1, $2) as ok", [id, 0.2]);
      expect(settled[0]?.ok).toBe(true);
      expect(await spend(month)).toEqual({ spent: 0.2, reserved: 0 });
      // 0.2 spent + 0.81 > 1, 0.2 + 0.8 = 1 fits exactly.
      expect(await reserve(month, 0.81, 1)).toBeNull();
      expect(await reserve(month, 0.8, 1)).not.toBeNull();
      const again = await sql.query("select moose_settle_budget($1, $2) as ok", [id, 0.4]);
      expect(again[0]?.ok).toBe(false);
      expect((await spend(month)).spent).toBe(0.2);
    });

    it("releases a reservation so its money is free again, once", async () => {
      const month = freshMonth();
      const id = await reserve(month, 0.9, 1);
      expect(await reserve(month, 0.2, 1)).toBeNull();
      expect((await sql.query("select moose_release_budget($1) as ok", [id]))[0]?.ok).toBe(true);
      expect((await sql.query("select moose_release_budget($1) as ok", [id]))[0]?.ok).toBe(false);
      expect(await spend(month)).toEqual({ spent: 0, reserved: 0 });
      expect(await reserve(month, 0.2, 1)).not.toBeNull();
    });

    it("keeps months apart and links reservations to work orders", async () => {
      const [a, b] = [freshMonth(), freshMonth()];
      const wo = (await sql.query("insert into work_orders default values returning id"))[0]?.id as string | undefined;
      // The real 0001 has required columns; the stand-in has none, so only link when the insert worked.
      expect(await reserve(a, 1, 1, wo ?? null)).not.toBeNull();
      expect(await reserve(b, 1, 1)).not.toBeNull();
      expect(await reserve(a, 0.01, 1)).toBeNull();
      if (wo) {
        const rows = await sql.query("select count(*)::int as n from budget_reservations where work_order_id = $1", [wo]);
        expect(rows[0]?.n).toBe(1);
      }
    });

    it("rejects negative amounts and unknown reservations", async () => {
      const month = freshMonth();
      await expect(reserve(month, -1, 1)).rejects.toThrow(/p_amount must be a non-negative number/);
      expect((await sql.query("select moose_settle_budget($1, 1) as ok", [randomUUID()]))[0]?.ok).toBe(false);
      await expect(sql.query("select moose_settle_budget($1, -1) as ok", [randomUUID()])).rejects.toThrow(/p_actual/);
    });
  });
}

async function openPglite() {
  const { db } = await openPgliteLedger();
  return {
    sql: { query: async (text: string, params?: unknown[]) => (await db.query<Record<string, unknown>>(text, params)).rows },
    close: () => db.close(),
  };
}

async function openPostgres(url: string) {
  const schema = `moose_budget_test_${randomUUID().replaceAll("-", "")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const pool = new pg.Pool({ connectionString: url, max: 10, options: `-c search_path=${schema},public` });
  for (const file of await budgetMigrations()) await pool.query(file);
  return {
    sql: { query: async (text: string, params?: unknown[]) => (await pool.query(text, params)).rows },
    pool,
    close: async () => {
      await pool.end();
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    },
  };
}

budgetContract("budget reservations on PGlite", openPglite);

const databaseUrl = process.env.DATABASE_URL;
describe.skipIf(!databaseUrl)("on PostgreSQL (DATABASE_URL is set)", () => {
  budgetContract("budget reservations on PostgreSQL", () => openPostgres(databaseUrl ?? ""));

  it("refuses to run under repeatable read, where a stale snapshot could overspend", async () => {
    const { pool, close } = await openPostgres(databaseUrl ?? "");
    const client = await pool.connect();
    try {
      await client.query("begin isolation level repeatable read");
      await expect(client.query("select moose_reserve_budget('2199-01', null, 1, 2)")).rejects.toThrow(/read committed/);
    } finally {
      await client.query("rollback");
      client.release();
      await close();
    }
  });
});
