// One pipeline run (initial load or incremental) as the benchmark times it: runPipeline, timed from the
// client, and its steps from warehouse.pipeline_steps (seconds, rows in and out, rows per second),
// printed as they finish (a second connection watches the step log while the run goes on).
import postgres, { type Sql } from "postgres";
import { readRun, runPipeline } from "../pipeline.ts";
import { timed } from "./measure.ts";

export interface StepTiming {
  step: string;
  target: string | null;
  status: string;
  seconds: number;
  rows_in: number | null;
  rows_out: number | null;
  /** rows_out (else rows_in) per second of an extract or model step; null for the others (tests count tests). */
  rows_per_second: number | null;
}

export interface PipelinePhase {
  /** The run that finished the phase; a first load longer than the backfill's time budget takes several. */
  run_id: number;
  /** Runs the phase took: 1, or more when a backfill ended partial and the next run continued it, as the
   * backfill job would (timed back to back, without the job's wait between runs). */
  runs: number;
  seconds: number;
  /** Rows written by the extract and model steps. */
  rows: number;
  steps: StepTiming[];
}

export function formatStep(s: StepTiming): string {
  const n = (v: number | null) => (v === null ? "-" : v.toLocaleString("en-US"));
  return `  ${`${s.step} ${s.target ?? ""}`.trimEnd().padEnd(40)} ${s.seconds.toFixed(2).padStart(8)} s  in ${n(s.rows_in).padStart(11)}  out ${n(s.rows_out).padStart(11)}` +
    (s.rows_per_second === null ? "" : `  ${Math.round(s.rows_per_second).toLocaleString("en-US").padStart(10)} rows/s`);
}

function stepTiming(s: { step_name: string; target: string | null; status: string; seconds: number | null; rows_in: number | null; rows_out: number | null }): StepTiming {
  const seconds = s.seconds ?? 0;
  const rows = s.rows_out ?? s.rows_in;
  return {
    step: s.step_name,
    target: s.target,
    status: s.status,
    seconds,
    rows_in: s.rows_in,
    rows_out: s.rows_out,
    rows_per_second: (s.step_name === "extract" || s.step_name === "model") && rows !== null && seconds > 0 ? rows / seconds : null,
  };
}

export async function runPipelinePhase(sql: Sql, url: string, label: string, progress: (line: string) => void = () => {}): Promise<PipelinePhase> {
  const [{ last }] = await sql`select coalesce(max(run_id), 0)::bigint as last from warehouse.pipeline_runs`;
  const watcher = postgres(url, { max: 1, onnotice: () => {}, connection: { application_name: "petforce-bench-watch" } });
  const printed = new Set<number>();
  let running = true;
  const watch = (async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, 1000));
      try {
        const steps = await watcher`
          select s.step_id::bigint, s.step_name, s.target, s.status, s.rows_in::bigint, s.rows_out::bigint,
                 extract(epoch from s.finished_at - s.started_at)::float8 as seconds
          from warehouse.pipeline_steps as s
          where s.run_id > ${last} and s.status <> 'running'
          order by s.step_id`;
        for (const s of steps) {
          if (printed.has(Number(s.step_id))) continue;
          printed.add(Number(s.step_id));
          progress(formatStep(stepTiming({ ...s, rows_in: num(s.rows_in), rows_out: num(s.rows_out) } as never)));
        }
      } catch {
        // the watcher only prints progress; the run's own result decides
      }
    }
  })();
  let runId: number;
  let seconds: number;
  try {
    ({ seconds, result: runId } = await timed(() => runPipeline(sql, { untilDone: true })));
  } finally {
    running = false;
    await watch;
    await watcher.end();
  }
  const runIds = (await sql`select run_id::bigint from warehouse.pipeline_runs where run_id > ${last} and run_id <= ${runId} order by run_id`)
    .map((r) => Number(r.run_id));
  const runs = await Promise.all(runIds.map((id) => readRun(sql, id)));
  const { run } = runs[runs.length - 1];
  const steps = runs.flatMap((r) => r.steps);
  const timings = steps.map(stepTiming);
  steps.forEach((s, i) => {
    if (!printed.has(s.step_id)) progress(formatStep(timings[i]));
  });
  if (run.status !== "succeeded") {
    throw new Error(`the pipeline's ${label} (run ${run.run_id}) ${run.status}${run.error ? `: ${run.error}` : ""}`);
  }
  const rows = timings.filter((s) => s.step === "extract" || s.step === "model").reduce((n, s) => n + (s.rows_out ?? 0), 0);
  return { run_id: runId, runs: runIds.length, seconds, rows, steps: timings };
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
