// The budget reservation SQL (src/store/migrations/0002_budget.sql) through the real store, on PGlite and on PostgreSQL when DATABASE_URL is set.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresTestUrl } from "../helpers/postgres-schema.js";
import { type BudgetDb, createTestWorkOrder, openPgliteBudgetDb, openPostgresBudgetDb } from "./budget-db.js";

function budgetContract(name: string, open: () => Promise<BudgetDb>) {
  describe(name, () => {
    let db: BudgetDb;
    let monthCounter = 0;
    // A month of its own per test: the advisory lock and the sums are per month.
    const freshMonth = () => `${2100 + monthCounter++}-01`;

    beforeAll(async () => {
      db = await open();
    });
    afterAll(async () => {
      await db.close();
    });

    const reserve = (month: string, amountUsd: number, limitUsd: number, workOrderId: string | null = null) =>
      db.store.reserveBudget({ month, workOrderId, amountUsd, limitUsd });
    const spend = async (month: string) => {
      const { spentUsd, reservedUsd } = await db.store.monthSpend(month);
      return { spent: spentUsd, reserved: reservedUsd };
    };
    // Store.settleBudget/releaseBudget return nothing; the SQL's boolean (did this call change the row?) is asserted here.
    const settled = async (id: string | null, actualUsd: number) =>
      (await db.sql.query("select moose_settle_budget($1, $2) as ok", [id, actualUsd]))[0]?.ok;
    const released = async (id: string | null) => (await db.sql.query("select moose_release_budget($1) as ok", [id]))[0]?.ok;

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
      expect(await settled(id, 0.2)).toBe(true);
      expect(await spend(month)).toEqual({ spent: 0.2, reserved: 0 });
      // 0.2 spent + 0.81 > 1, 0.2 + 0.8 = 1 fits exactly.
      expect(await reserve(month, 0.81, 1)).toBeNull();
      expect(await reserve(month, 0.8, 1)).not.toBeNull();
      expect(await settled(id, 0.4)).toBe(false);
      expect((await spend(month)).spent).toBe(0.2);
    });

    it("releases a reservation so its money is free again, once", async () => {
      const month = freshMonth();
      const id = await reserve(month, 0.9, 1);
      expect(await reserve(month, 0.2, 1)).toBeNull();
      expect(await released(id)).toBe(true);
      expect(await released(id)).toBe(false);
      expect(await spend(month)).toEqual({ spent: 0, reserved: 0 });
      expect(await reserve(month, 0.2, 1)).not.toBeNull();
    });

    it("keeps months apart and links reservations to work orders", async () => {
      const [a, b] = [freshMonth(), freshMonth()];
      const wo = await createTestWorkOrder(db.store);
      expect(await reserve(a, 1, 1, wo)).not.toBeNull();
      expect(await reserve(b, 1, 1)).not.toBeNull();
      expect(await reserve(a, 0.01, 1)).toBeNull();
      const rows = await db.sql.query("select count(*)::int as n from budget_reservations where work_order_id = $1", [wo]);
      expect(rows[0]?.n).toBe(1);
    });

    it("rejects negative amounts and unknown reservations", async () => {
      const month = freshMonth();
      await expect(reserve(month, -1, 1)).rejects.toThrow(/p_amount must be a non-negative number/);
      expect(await settled(randomUUID(), 1)).toBe(false);
      await expect(settled(randomUUID(), -1)).rejects.toThrow(/p_actual/);
    });
  });
}

budgetContract("budget reservations on PGlite", openPgliteBudgetDb);

const databaseUrl = postgresTestUrl();
describe.skipIf(!databaseUrl)("on PostgreSQL (DATABASE_URL is set)", () => {
  budgetContract("budget reservations on PostgreSQL", () => openPostgresBudgetDb(databaseUrl ?? ""));

  it("refuses to run under repeatable read, where a stale snapshot could overspend", async () => {
    const { pool, close } = await openPostgresBudgetDb(databaseUrl ?? "");
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
