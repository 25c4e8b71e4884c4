// Runs the warehouse pipeline exactly as the cron job does (`call warehouse.run_pipeline()`) and reads
// back what it did from the run and step logs.
import type { Sql } from "postgres";
import { z } from "zod";

const runRow = z.object({
  run_id: z.coerce.number(),
  status: z.enum(["running", "succeeded", "failed", "skipped"]),
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

export async function runPipeline(sql: Sql, opts: { fullRefresh?: boolean } = {}): Promise<number> {
  const [row] = await sql`call warehouse.run_pipeline(${opts.fullRefresh ?? false}, null)`;
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
