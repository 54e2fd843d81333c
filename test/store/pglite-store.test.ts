// Runs the store contract on embedded PGlite (in memory), and checks that a data directory survives a restart.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { openPgliteStore } from "../../src/store/pglite-store.js";
import { clonedPgliteStore } from "../helpers/pglite-template.js";
import { describeStoreContract } from "./store-contract.js";

describeStoreContract("PGlite", async () => {
  const store = await clonedPgliteStore();
  expect(store.kind).toBe("pglite");
  return { store, cleanup: () => store.close() };
});

describe("PGlite store on disk", () => {
  it("PGlite: keeps its data across close and reopen, and applies migrations once", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "moose-pglite-"));
    try {
      const first = await openPgliteStore({ dataDir });
      const project = await first.upsertProject({
        installationId: 1,
        githubRepoId: 2,
        owner: "octo",
        repo: "repo",
        defaultBranch: "main",
      });
      await first.recordEvent({ deliveryId: "d", name: "issues", action: null, installationId: 1, repoFullName: null, payload: {} });
      await first.close();

      const second = await openPgliteStore({ dataDir });
      expect(await second.getProject(project.id)).toEqual(project);
      expect(await second.recordEvent({ deliveryId: "d", name: "issues", action: null, installationId: 1, repoFullName: null, payload: {} })).toEqual({ inserted: false });
      await second.close();

      const raw = await PGlite.create(join(dataDir, "pglite"));
      const { rows } = await raw.query<{ version: string }>("select version from schema_migrations order by version");
      expect(rows.map((r) => r.version)).toEqual(["0001_init", "0002_budget"]);
      await raw.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
