// Unit: the progress lines a client prints while a run goes on, from the NOTICEs the pipeline sends
// (warehouse.report_step: SQLSTATE PF100; warehouse.run_backfill_step: PF101), and that other notices
// are passed on as they are.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatBackfillNotice, formatStepNotice, progressNotices } from "../../scripts/lib/pipeline.ts";

const step = {
  step_name: "model", target: "marts_core_dim_users", status: "succeeded",
  started_at: "2026-12-02T02:00:00.000+00:00", finished_at: "2026-12-02T02:00:01.250+00:00", rows_in: 1000, rows_out: 998,
};

test("progress - a finished step prints as formatRun prints it: name, target, status, rows, seconds", () => {
  assert.equal(formatStepNotice(JSON.stringify(step)),
    "  model              marts_core_dim_users           succeeded rows in 1000, out 998 (1.25s)");
  assert.equal(formatStepNotice(JSON.stringify({ ...step, rows_in: null, rows_out: null, status: "failed", error: "boom" })),
    "  model              marts_core_dim_users           failed (1.25s) — boom");
  assert.equal(formatStepNotice("not json"), null);
  assert.equal(formatStepNotice(JSON.stringify({ step_name: "model" })), null, "a DETAIL that is no step is not printed as one");
});

test("progress - a backfill prints a bar of rows done, the rate and the time left", () => {
  const progress = { backfill_id: 3, reason: "initial", status: "running", steps_total: 29, steps_done: 10,
    rows_done: 2_500_000, rows_total: 10_000_000, rows_per_second: 50_000, seconds_left: 150, next_step: "model stg_supabase_users" };
  assert.equal(formatBackfillNotice(JSON.stringify(progress)),
    "  backfill 3 (initial) [#####---------------] 25% 10/29 steps, 2,500,000 of ~10,000,000 rows, 50,000 rows/s, ~2m30s left — next: model stg_supabase_users");
  assert.equal(formatBackfillNotice(JSON.stringify({ ...progress, status: "succeeded", steps_done: 29, next_step: null })),
    "  backfill 3 (initial) [####################] 100% 29/29 steps, 2,500,000 of ~10,000,000 rows, 50,000 rows/s, done");
});

test("progress - the notice handler routes step and backfill notices to progress, others as notices", () => {
  const progress: string[] = [];
  const others: string[] = [];
  const handle = progressNotices((l) => progress.push(l), (l) => others.push(l));
  handle({ code: "PF100", detail: JSON.stringify(step), message: "model ..." } as never);
  handle({ code: "00000", message: "pg_net is not installed" } as never);
  handle({ code: "PF100", detail: "garbage", message: "model ..." } as never);
  assert.equal(progress.length, 1);
  assert.match(progress[0], /marts_core_dim_users/);
  assert.deepEqual(others, ["notice: pg_net is not installed", "notice: model ..."]);
});
