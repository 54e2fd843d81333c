// One migrated in-memory PGlite per test file, cloned for each test: booting PGlite takes seconds, a clone does not.
import { PGlite, type PGliteInterface } from "@electric-sql/pglite";
import { afterAll } from "vitest";
import { createPgliteStore } from "../../src/store/pglite-store.js";
import type { Store } from "../../src/store/store.js";

let template: Promise<PGlite> | undefined;

function migratedTemplate(): Promise<PGlite> {
  template ??= (async () => {
    const db = await PGlite.create("memory://");
    await createPgliteStore(db);
    return db;
  })();
  return template;
}

afterAll(async () => {
  if (template) await (await template).close();
  template = undefined;
});

/** A fresh, fully migrated store that shares nothing with other tests. */
export async function clonedPgliteStore(): Promise<Store> {
  return createPgliteStore(await (await migratedTemplate()).clone());
}

/** Like `clonedPgliteStore`, with the database itself too, for tests that read a table no Store method returns. */
export async function clonedPgliteDatabase(): Promise<{ store: Store; db: PGliteInterface }> {
  const db = await (await migratedTemplate()).clone();
  return { store: await createPgliteStore(db), db };
}
