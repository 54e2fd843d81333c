// Test helper: the SQL that 0002_budget.sql needs, and a BudgetLedger over it on in-memory PGlite.
import { readdir, readFile } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import type { BudgetLedger } from "../../src/manager/proposal-run.js";

const MIGRATIONS = new URL("../../src/store/migrations/", import.meta.url);

/** The store engineer's 0001 when it exists, else the one table 0002 refers to; then 0002. */
export async function budgetMigrations(): Promise<string[]> {
  const files = (await readdir(MIGRATIONS)).filter((f) => f.endsWith(".sql")).sort();
  const first = files.find((f) => f.startsWith("0001"));
  const base = first
    ? await readFile(new URL(first, MIGRATIONS), "utf8")
    : "create table work_orders (id uuid primary key default gen_random_uuid());";
  return [base, await readFile(new URL("0002_budget.sql", MIGRATIONS), "utf8")];
}

export async function openPgliteLedger(): Promise<{ db: PGlite; ledger: BudgetLedger }> {
  const db = new PGlite();
  for (const sql of await budgetMigrations()) await db.exec(sql);
  const ledger: BudgetLedger = {
    async reserve({ month, workOrderId, amountUsd, limitUsd }) {
      const { rows } = await db.query<{ id: string | null }>("select moose_reserve_budget($1, $2, $3, $4) as id", [
        month,
        workOrderId,
        amountUsd,
        limitUsd,
      ]);
      return rows[0]?.id ?? null;
    },
    async settle(id, actualUsd) {
      await db.query("select moose_settle_budget($1, $2)", [id, actualUsd]);
    },
    async release(id) {
      await db.query("select moose_release_budget($1)", [id]);
    },
  };
  return { db, ledger };
}
