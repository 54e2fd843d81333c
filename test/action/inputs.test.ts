// Input validation of the runner action: hostile text never becomes a branch, path or flag.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { RawInputs } from "../../action/src/inputs.js";
import { InputError, decodeInstruction, parseInputs, parseScopePaths, slugify, workRefFor } from "../../action/src/inputs.js";
import { encodeInstruction } from "../../src/runner/runner-contract.js";

const ID = "1234abcd-5678-4ef0-9abc-def012345678";
function raw(overrides: Partial<RawInputs> = {}): RawInputs {
  return {
    "work-order-id": ID,
    attempt: "2",
    branch: "",
    "base-branch": "main",
    title: "Add login page",
    model: "anthropic/claude-sonnet-4-5",
    files: "src/a.ts, src/b.ts\nlib/",
    instruction: "Do it",
    "timeout-minutes": "",
    ...overrides,
  };
}

describe("slugify", () => {
  it("reduces hostile titles to lower-case ASCII dashes", () => {
    expect(slugify("Fix `x` $(rm -rf /) \"q\"\nnext")).toBe("fix-x-rm-rf-q-next");
    expect(slugify("Ünïcødé Café ✓")).toBe("unic-de-cafe");
    expect(slugify("🚀🚀")).toBe("work-order");
    expect(slugify("a".repeat(100))).toHaveLength(40);
    expect(slugify(`${"b".repeat(39)} c`)).toBe("b".repeat(39));
  });
});

describe("parseInputs", () => {
  it("computes the branch from id and title when none is given, and applies defaults", () => {
    const inputs = parseInputs(raw());
    expect(inputs).toMatchObject({
      workOrderId: ID,
      attempt: 2,
      branch: "feature/wo-1234abcd-add-login-page",
      files: ["src/a.ts", "src/b.ts", "lib/"],
      timeoutMinutes: 5,
    });
    expect(workRefFor(ID, 2)).toBe(`refs/heads/moose-work/wo-${ID}-a2`);
  });

  it("names every bad input and what is wrong with it", () => {
    const bad = raw({ "work-order-id": "nope", attempt: "0", model: "--exec=sh", "timeout-minutes": "-1" });
    expect(() => parseInputs(bad)).toThrow(InputError);
    try {
      parseInputs(bad);
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain("work-order-id: must be a UUID");
      expect(message).toContain("attempt: must be an integer");
      expect(message).toContain("model: must be an Aider model id");
      expect(message).toContain("timeout-minutes: must be a positive number");
    }
  });

  it.each([
    ['feature/wo-1234abcd-x";echo${IFS}hi;#'],
    ["feature/wo-1234abcd-../../main"],
    ["main"],
    ["feature/wo-99999999-other-order"],
    ["feature/wo-1234abcd-UPPER"],
  ])("refuses branch %j", (branch) => {
    expect(() => parseInputs(raw({ branch }))).toThrow(/branch: /);
  });

  it.each([["-main"], ["ma..in"], ["main.lock"], ["a b"], ["$(x)"]])("refuses base-branch %j", (base) => {
    expect(() => parseInputs(raw({ "base-branch": base }))).toThrow(/base-branch: /);
  });

  it("requires at least one file in scope", () => {
    expect(() => parseInputs(raw({ files: " , \n" }))).toThrow(/files: must name at least one path/);
  });
});

describe("parseScopePaths", () => {
  it.each([
    ["/etc/passwd", "is absolute"],
    ["C:/x", "is absolute"],
    ["../up", "contains '..'"],
    ["src/../../x", "contains '..'"],
    [".github/workflows/ci.yml", "under .github/"],
    [".GitHub/x", "under .github/"],
    ["sub/.git/config", "inside .git"],
    ["--exec", "starts with '-'"],
    ["a\\b", "backslash"],
    ["a//b", "empty or '.' segment"],
  ])("rejects %j", (path, problem) => {
    expect(parseScopePaths(path).errors[0]).toContain(problem);
  });

  it("normalises ./ and drops duplicates", () => {
    expect(parseScopePaths("./src/a.ts\nsrc/a.ts,docs/").paths).toEqual(["src/a.ts", "docs/"]);
  });
});

describe("decodeInstruction", () => {
  it("passes plain text through and gunzips gz64", () => {
    expect(decodeInstruction("plain")).toBe("plain");
    const text = "Instruction with unicode ✓ and `backticks`\n".repeat(50);
    expect(decodeInstruction(`gz64:${gzipSync(Buffer.from(text)).toString("base64")}`)).toBe(text);
  });

  it("decodes what the app's dispatch encodes", () => {
    const text = "Ünïcødé instruction with `code` and $(not a command)\n".repeat(200);
    expect(decodeInstruction(encodeInstruction(text))).toBe(text);
  });

  it("rejects bad payloads with a clear message", () => {
    expect(() => decodeInstruction("gz64:not base64!")).toThrow(/not base64/);
    expect(() => decodeInstruction(`gz64:${Buffer.from("not gzip").toString("base64")}`)).toThrow(/does not gunzip/);
    const bomb = gzipSync(Buffer.alloc(2_000_000, 97)).toString("base64");
    expect(() => decodeInstruction(`gz64:${bomb}`)).toThrow(/exceeds/);
    expect(() => decodeInstruction(`gz64:${gzipSync(Buffer.from([0xff, 0xfe])).toString("base64")}`)).toThrow(/not UTF-8/);
  });
});
