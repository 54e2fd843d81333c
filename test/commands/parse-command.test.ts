// Parsing `/moose` commands out of comment text: whole lines only, quoted lines never count, arguments checked.
import { describe, expect, it } from "vitest";
import { parseMooseCommand } from "../../src/commands/parse-command.js";

describe("parseMooseCommand", () => {
  it("reads each command, in any case, on a line of its own among other text", () => {
    expect(parseMooseCommand("/moose approve")).toEqual({ ok: true, command: { name: "approve" } });
    expect(parseMooseCommand("Looks fine.\r\n  /MOOSE Cancel  \r\nthanks")).toEqual({ ok: true, command: { name: "cancel" } });
    expect(parseMooseCommand("/Moose STATUS")).toEqual({ ok: true, command: { name: "status" } });
    expect(parseMooseCommand("/moose retry")).toEqual({ ok: true, command: { name: "retry", escalate: false } });
    expect(parseMooseCommand("/moose retry --escalate")).toEqual({ ok: true, command: { name: "retry", escalate: true } });
    expect(parseMooseCommand("/moose retry --model claude-opus-5-5")).toEqual({ ok: true, command: { name: "retry", model: "claude-opus-5-5", escalate: false } });
  });

  it("takes the first command when a comment has several", () => {
    expect(parseMooseCommand("/moose status\n/moose cancel")).toEqual({ ok: true, command: { name: "status" } });
  });

  it("finds no command in quoted lines, mid-line mentions, or look-alike words", () => {
    expect(parseMooseCommand("> /moose cancel\nI agree with the above")).toBeNull();
    expect(parseMooseCommand("please run /moose retry later")).toBeNull();
    expect(parseMooseCommand("/mooses retry")).toBeNull();
    expect(parseMooseCommand("`/moose retry`")).toBeNull();
    expect(parseMooseCommand("")).toBeNull();
    expect(parseMooseCommand(null)).toBeNull();
  });

  it("refuses malformed arguments with a usage message", () => {
    expect(parseMooseCommand("/moose")).toEqual({ ok: false, error: expect.stringContaining("unknown command") });
    expect(parseMooseCommand("/moose deploy")).toEqual({ ok: false, error: expect.stringContaining("unknown command `/moose deploy`") });
    expect(parseMooseCommand("/moose approve now")).toEqual({ ok: false, error: "`/moose approve` takes no arguments" });
    expect(parseMooseCommand("/moose retry --model")).toEqual({ ok: false, error: expect.stringContaining("usage:") });
    expect(parseMooseCommand("/moose retry --escalate --model x")).toEqual({ ok: false, error: expect.stringContaining("usage:") });
    expect(parseMooseCommand("/moose retry --ESCALATE")).toEqual({ ok: false, error: expect.stringContaining("usage:") });
  });

  it("refuses a model id that could carry anything but an id", () => {
    for (const model of ["$(rm", "-rf", "../../etc", "a;b", "x".repeat(101)]) {
      expect(parseMooseCommand(`/moose retry --model ${model}`), model).toEqual({ ok: false, error: "`--model` needs a model id from the routing table" });
    }
  });

  it("keeps an unknown verb short in the reply", () => {
    const parsed = parseMooseCommand(`/moose ${"z".repeat(500)}`);
    expect(parsed?.ok).toBe(false);
    expect(parsed && !parsed.ok && parsed.error.length).toBeLessThan(120);
  });
});
