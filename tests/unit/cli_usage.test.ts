// Unit: `npm run warehouse -- <command>`'s command line, which needs no database: help lists every
// command, each command has its usage, and every mistake is one line on stderr with exit 2 — before
// any connection is tried (DATABASE_URL points at a port where nothing listens).
import assert from "node:assert/strict";
import { test } from "node:test";
import { assertOneErrorLine, lines, npmRun, type ScriptResult, show } from "../e2e/helpers.ts";

const warehouse = (...args: string[]): ScriptResult =>
  npmRun("warehouse", args, { DATABASE_URL: "postgresql://postgres:postgres@127.0.0.1:1/postgres?sslmode=disable" });

const commands = ["run", "backfill", "runs", "tests", "freshness", "sweep", "forget", "docs"];

test("cli - --help lists every command, one line each, and exits 0", () => {
  for (const help of [["--help"], ["help"], []]) {
    const r = warehouse(...help);
    assert.equal(r.code, 0, show(r));
    for (const c of commands) {
      assert.equal(lines(r.stdout).filter((l) => new RegExp(`^\\s+${c}\\b`).test(l)).length, 1, `${c} should have one line:\n${r.stdout}`);
    }
  }
});

test("cli - <command> --help shows that command's usage and options", () => {
  const r = warehouse("runs", "--help");
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /^usage: npm run warehouse -- runs \[--limit N\]/);
  assert.match(r.stdout, /--limit N/);
  assert.doesNotMatch(r.stdout, /forget/);
});

test("cli - forget not-a-uuid is exactly one line on stderr, exit 2, no stack trace", () => {
  const r = warehouse("forget", "not-a-uuid", "--yes");
  assert.equal(r.code, 2, show(r));
  assert.equal(r.stdout, "");
  assertOneErrorLine(r, /UUID.*"not-a-uuid"/);
});

test("cli - an unknown command or option is one line naming it, exit 2", () => {
  const unknownCommand = warehouse("frobnicate");
  assert.equal(unknownCommand.code, 2, show(unknownCommand));
  assertOneErrorLine(unknownCommand, /unknown command "frobnicate"/);

  const unknownOption = warehouse("runs", "--verbose");
  assert.equal(unknownOption.code, 2, show(unknownOption));
  assertOneErrorLine(unknownOption, /runs: unknown option --verbose/);

  const badValue = warehouse("runs", "--limit", "many");
  assert.equal(badValue.code, 2, show(badValue));
  assertOneErrorLine(badValue, /--limit must be a whole number, not "many"/);
});
