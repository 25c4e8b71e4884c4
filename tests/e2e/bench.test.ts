// End-to-end: `npm run bench` at a small size completes, writes JSON with every phase and ratio, and the
// pipeline's marts equal the full-refresh baseline's after the initial load and after the day of change.
// Timings are never asserted (speed is measured by the bench, not tested).
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { npmRun, show } from "./helpers.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-e2e-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test("bench - at 2,000 users it completes and writes every phase, step, query and ratio as JSON", () => {
  const out = path.join(dir, "bench.json");
  const r = npmRun("bench", ["--users", "2000", "--query-runs", "3", "--out", out]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /Ratios and targets/);
  const result = JSON.parse(fs.readFileSync(out, "utf8"));
  assert.equal(result.users, 2000);
  for (const key of ["date", "git_commit", "machine", "phases", "steps", "queries", "memory", "bytes", "agreement", "ratios", "targets"]) {
    assert.ok(key in result, `the JSON should have ${key}`);
  }
  assert.ok(result.machine.cores > 0 && result.machine.memory_bytes > 0, "the machine's cores and memory");
  for (const phase of ["synth", "floor", "initial_load", "full_refresh_initial", "day_of_change", "incremental", "full_refresh_after_change"]) {
    const p = result.phases[phase];
    assert.ok(p, `phase ${phase}`);
    for (const field of ["seconds", "rows", "bytes"]) assert.equal(typeof p[field], "number", `${phase}.${field} should be a number`);
  }
  for (const scenario of ["one_year", "two_years"]) {
    for (const phase of ["synth", "initial_load", "day_of_change", "incremental"]) {
      assert.equal(typeof result.phases[scenario][phase].seconds, "number", `${scenario}.${phase}.seconds`);
    }
  }
  assert.equal(result.phases.two_years.years, 2);
  for (const ratio of [
    "initial_over_floor", "initial_over_full_refresh", "incremental_over_full_refresh", "incremental_over_initial",
    "incremental_2y_over_1y", "query_p95_max",
  ]) {
    assert.equal(typeof result.ratios[ratio], "number", `ratio ${ratio}`);
  }
  assert.ok(result.steps.initial_load.some((s: { step: string }) => s.step === "model"), "the initial load's steps");
  assert.ok(result.steps.incremental.some((s: { step: string }) => s.step === "extract"), "the incremental run's steps");
  const names = result.queries.map((q: { name: string }) => q.name);
  for (const seed of ["daily_active_users", "lifecycle_distribution", "auth_method_adoption"]) assert.ok(names.includes(seed), `seed query ${seed}`);
  assert.ok(names.includes("marts.kpi_active_users"), "the views of marts");
  assert.equal(typeof result.memory.node_max_rss_bytes, "number");
  for (const when of ["after_initial_load", "after_incremental"]) {
    for (const layer of ["source", "raw", "staging", "marts"]) assert.ok(result.bytes[when][layer] > 0, `${when} bytes of ${layer}`);
  }
});

test("bench - the pipeline's marts equal the full-refresh baseline's, after the initial load and after the change", () => {
  const result = JSON.parse(fs.readFileSync(path.join(dir, "bench.json"), "utf8"));
  for (const when of ["after_initial_load", "after_change"]) {
    const a = result.agreement[when];
    assert.ok(a.marts.length >= 10, `every mart is compared ${when}`);
    const differing = a.marts.filter((m: { agree: boolean }) => !m.agree).map((m: { model: string }) => m.model);
    assert.deepEqual(differing, [], `no mart should differ ${when}`);
    assert.equal(a.agree, true);
  }
});
