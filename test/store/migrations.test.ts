// Migration files: naming, self-recording, and being found from both src/ and the compiled lib/.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { findMigrationDirectory, loadMigrations } from "../../src/store/migrations.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

describe("migrations", () => {
  it("are found next to the module in src/ and back in src/ from the compiled lib/", () => {
    const fromSrc = findMigrationDirectory(pathToFileURL(join(repoRoot, "src/store/migrations.ts")).href);
    const fromLib = findMigrationDirectory(pathToFileURL(join(repoRoot, "lib/store/migrations.js")).href);
    expect(fromSrc).toBe(join(repoRoot, "src/store/migrations/"));
    expect(fromLib).toBe(fromSrc);
    expect(() => findMigrationDirectory("file:///nowhere/store/migrations.js")).toThrow(/store migrations not found/);
  });

  it("load in version order, each recording itself in schema_migrations", () => {
    const versions = loadMigrations().map((m) => m.version);
    expect(versions.slice(0, 2)).toEqual(["0001_init", "0002_budget"]);
    expect([...versions].sort()).toEqual(versions);
  });

  it("reject a badly named file or one that does not record itself", async () => {
    const dir = await mkdtemp(join(tmpdir(), "moose-migrations-"));
    try {
      await writeFile(join(dir, "1_Init.sql"), "select 1;");
      expect(() => loadMigrations(dir)).toThrow(/1_Init\.sql: migration file names must look like 0001_name\.sql/);
      await rm(join(dir, "1_Init.sql"));
      await writeFile(join(dir, "0001_init.sql"), "select 1;");
      expect(() => loadMigrations(dir)).toThrow(/0001_init\.sql: must end with insert into schema_migrations/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
