// Unit: `npm run bench`'s command line, which needs no database: --help, and every mistake is one line on
// stderr with exit 2, before any cluster is started.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseBenchOptions } from "../../scripts/lib/bench/options.ts";
import { percentiles } from "../../scripts/lib/bench/measure.ts";
import { benchAsOf } from "../../scripts/lib/bench/run.ts";
import { assertOneErrorLine, npmRun, show } from "../e2e/helpers.ts";

test("bench options - defaults: 1,000,000 users, 20 query runs, the JSON in bench/results", () => {
  assert.deepEqual(parseBenchOptions([]), { users: 1_000_000, queryRuns: 20, out: null });
  assert.deepEqual(parseBenchOptions(["--users", "10000", "--query-runs", "5", "--out", "x.json"]), { users: 10_000, queryRuns: 5, out: "x.json" });
  assert.equal(parseBenchOptions(["--help"]), null);
});

test("bench - --help prints the usage and exits 0", () => {
  const r = npmRun("bench", ["--help"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /^usage: npm run bench -- \[--users N\]/);
  assert.match(r.stdout, /--query-runs N/);
});

test("bench - a usage mistake is one line on stderr and exit 2", () => {
  for (const [args, pattern] of [
    [["--users", "many"], /--users must be a whole number/],
    [["--users", "10"], /--users must be at least 1,000/],
    [["--verbose"], /unknown option --verbose/],
    [["--out"], /--out needs a value/],
    [["10000"], /unexpected argument "10000"/],
  ] as Array<[string[], RegExp]>) {
    const r = npmRun("bench", args);
    assert.equal(r.code, 2, show(r));
    assertOneErrorLine(r, pattern);
  }
});

test("bench - the as-of is the day before synth's default, across a month's end", () => {
  assert.equal(benchAsOf("2026-12-01"), "2026-11-30");
  assert.equal(benchAsOf("2027-01-01"), "2026-12-31");
});

test("bench - median and p95 by nearest rank", () => {
  const values = Array.from({ length: 20 }, (_, i) => i + 1);
  assert.deepEqual(percentiles(values), { median: 10.5, p95: 19 });
  assert.deepEqual(percentiles([5]), { median: 5, p95: 5 });
});
