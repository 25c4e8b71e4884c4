// Runs the warehouse pipeline exactly as the cron job does (`call warehouse.run_pipeline()`) and reads
// back what it did from the run and step logs.
import type { Notice, Sql } from "postgres";
import { z } from "zod";

const runRow = z.object({
  run_id: z.coerce.number(),
  status: z.enum(["running", "succeeded", "failed", "skipped", "partial"]),
  full_refresh: z.boolean(),
  started_at: z.date(),
  finished_at: z.date().nullable(),
  error: z.string().nullable(),
});

const stepRow = z.object({
  step_id: z.coerce.number(),
  step_name: z.string(),
  target: z.string().nullable(),
  status: z.string(),
  rows_in: z.coerce.number().nullable(),
  rows_out: z.coerce.number().nullable(),
  error: z.string().nullable(),
  seconds: z.coerce.number().nullable(),
});

export type PipelineRun = z.infer<typeof runRow>;
export type PipelineStep = z.infer<typeof stepRow>;

/**
 * One pipeline run. A first load or a full refresh is a backfill that a run advances for at most
 * `timeBudgetSeconds` (default: the database's backfill_time_budget setting); `untilDone` calls again
 * until no backfill is left unfinished (what `npm run warehouse -- backfill` does), returning the last run.
 */
export async function runPipeline(
  sql: Sql,
  opts: { fullRefresh?: boolean; timeBudgetSeconds?: number; untilDone?: boolean } = {},
): Promise<number> {
  // without a budget, the call the cron job makes (and older warehouses know)
  const call = (fullRefresh: boolean) => opts.timeBudgetSeconds === undefined
    ? sql`call warehouse.run_pipeline(${fullRefresh}, null)`
    : sql`call warehouse.run_pipeline(${fullRefresh}, null, ${`${opts.timeBudgetSeconds} seconds`}::interval)`;
  let [row] = await call(opts.fullRefresh ?? false);
  while (opts.untilDone) {
    const [run] = await sql`select status from warehouse.pipeline_runs where run_id = ${row.p_run_id}`;
    if (run.status !== "partial") break;
    [row] = await call(false);
  }
  return Number(row.p_run_id);
}

export async function readRun(sql: Sql, runId: number): Promise<{ run: PipelineRun; steps: PipelineStep[] }> {
  const [run] = await sql`
    select run_id, status, full_refresh, started_at, finished_at, error
    from warehouse.pipeline_runs where run_id = ${runId}`;
  if (!run) throw new Error(`no pipeline run ${runId}`);
  const steps = await sql`
    select step_id, step_name, target, status, rows_in, rows_out, error,
           extract(epoch from finished_at - started_at)::float8 as seconds
    from warehouse.pipeline_steps where run_id = ${runId} order by step_id`;
  return { run: runRow.parse(run), steps: steps.map((s) => stepRow.parse(s)) };
}

export function formatRun({ run, steps }: { run: PipelineRun; steps: PipelineStep[] }): string {
  const lines = [`run ${run.run_id}: ${run.status}${run.full_refresh ? " (full refresh)" : ""}${run.error ? ` — ${run.error}` : ""}`];
  for (const s of steps) {
    const rows = s.rows_in === null && s.rows_out === null ? "" : ` rows in ${s.rows_in ?? "-"}, out ${s.rows_out ?? "-"}`;
    const secs = s.seconds === null ? "" : ` (${s.seconds.toFixed(2)}s)`;
    lines.push(`  ${s.step_name.padEnd(18)} ${(s.target ?? "").padEnd(30)} ${s.status}${rows}${secs}${s.error ? ` — ${s.error}` : ""}`);
  }
  return lines.join("\n");
}

/** SQLSTATE of the NOTICE warehouse.report_step sends as each step finishes (the step as JSON in DETAIL). */
export const stepNoticeCode = "PF100";

const stepNotice = z.object({
  step_name: z.string(),
  target: z.string().nullish(),
  status: z.string(),
  started_at: z.string(),
  finished_at: z.string(),
  rows_in: z.coerce.number().nullish(),
  rows_out: z.coerce.number().nullish(),
  error: z.string().nullish(),
});

/** One finished step, as a progress line (the same columns as formatRun's step lines). */
export function formatStepNotice(detail: string): string | null {
  let parsed;
  try {
    parsed = stepNotice.safeParse(JSON.parse(detail));
  } catch {
    return null;
  }
  if (!parsed.success) return null;
  const s = parsed.data;
  const seconds = (Date.parse(s.finished_at) - Date.parse(s.started_at)) / 1000;
  const rows = s.rows_in == null && s.rows_out == null ? "" : ` rows in ${s.rows_in ?? "-"}, out ${s.rows_out ?? "-"}`;
  const secs = Number.isFinite(seconds) ? ` (${seconds.toFixed(2)}s)` : "";
  return `  ${s.step_name.padEnd(18)} ${(s.target ?? "").padEnd(30)} ${s.status}${rows}${secs}${s.error ? ` — ${s.error}` : ""}`;
}

/** SQLSTATE of the NOTICE warehouse.run_backfill_step sends after each backfill step (warehouse.backfill_progress in DETAIL). */
export const backfillNoticeCode = "PF101";

const backfillProgress = z.object({
  backfill_id: z.coerce.number(),
  reason: z.string(),
  status: z.string(),
  steps_total: z.coerce.number(),
  steps_done: z.coerce.number(),
  rows_done: z.coerce.number(),
  rows_total: z.coerce.number(),
  rows_per_second: z.coerce.number().nullish(),
  seconds_left: z.coerce.number().nullish(),
  next_step: z.string().nullish(),
});

const thousands = (n: number) => Math.round(n).toLocaleString("en-US");

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
    : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** A backfill's progress as one line with a bar: steps, rows done of the estimate, rate, time left. */
export function formatBackfillNotice(detail: string, width = 20): string | null {
  let parsed;
  try {
    parsed = backfillProgress.safeParse(JSON.parse(detail));
  } catch {
    return null;
  }
  if (!parsed.success) return null;
  const p = parsed.data;
  const share = p.status === "succeeded" ? 1 : p.rows_total > 0 ? Math.min(1, p.rows_done / p.rows_total) : p.steps_done / Math.max(1, p.steps_total);
  const filled = Math.round(share * width);
  const rate = p.rows_per_second ? `, ${thousands(p.rows_per_second)} rows/s` : "";
  const left = p.status === "succeeded" ? ", done" : p.seconds_left != null ? `, ~${clock(p.seconds_left)} left` : "";
  const next = p.next_step ? ` — next: ${p.next_step}` : "";
  return `  backfill ${p.backfill_id} (${p.reason}) [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${Math.round(share * 100)}% ` +
    `${p.steps_done}/${p.steps_total} steps, ${thousands(p.rows_done)} of ~${thousands(p.rows_total)} rows${rate}${left}${next}`;
}

/**
 * An `onnotice` handler for a connection that runs the pipeline: each step is written as it finishes
 * (the run's own log is readable only when its transaction ends), and a backfill's progress after each of
 * its steps; other notices as "notice: …".
 */
export function progressNotices(write: (line: string) => void, others: (line: string) => void = write): (n: Notice) => void {
  return (n) => {
    const line = typeof n.detail !== "string" ? null
      : n.code === stepNoticeCode ? formatStepNotice(n.detail)
      : n.code === backfillNoticeCode ? formatBackfillNotice(n.detail)
      : null;
    if (line !== null) write(line);
    else others(`notice: ${n.message}`);
  };
}
