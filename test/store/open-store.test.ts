// Which adapter openStore picks for a configuration.
import { describe, expect, it } from "vitest";
import { chooseStoreKind, openStore } from "../../src/store/open-store.js";

describe("chooseStoreKind", () => {
  it("prefers DATABASE_URL, then a full Supabase configuration, then PGlite", () => {
    expect(
      chooseStoreKind({ databaseUrl: "postgres://x", supabaseUrl: "https://a.supabase.co", supabaseServiceRoleKey: "k", dataDir: ".moose" }),
    ).toBe("postgres");
    expect(chooseStoreKind({ supabaseUrl: "https://a.supabase.co", supabaseServiceRoleKey: "k", dataDir: ".moose" })).toBe("supabase");
    expect(chooseStoreKind({ databaseUrl: "", dataDir: ".moose" })).toBe("pglite");
  });

  it("refuses half a Supabase configuration instead of silently using PGlite", () => {
    expect(() => chooseStoreKind({ supabaseUrl: "https://a.supabase.co", dataDir: ".moose" })).toThrow(
      "SUPABASE_SERVICE_ROLE_KEY is not set",
    );
    expect(() => chooseStoreKind({ supabaseServiceRoleKey: "k", dataDir: ".moose" })).toThrow("SUPABASE_URL is not set");
  });
});

describe("openStore", () => {
  it("opens in-memory PGlite when nothing else is configured", async () => {
    const store = await openStore({ dataDir: "memory://" });
    try {
      expect(store.kind).toBe("pglite");
      expect(await store.claimEvents("w", 1, 1000)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
