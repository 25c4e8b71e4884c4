// The benchmark's phases, in order, on throwaway clusters (each stopped and deleted as soon as it is
// measured). Main cluster, one year at --users N: synthetic data → floor → initial load → full-refresh
// baseline → day of change → incremental run → full-refresh baseline → queries, with VACUUM (ANALYZE)
// and CHECKPOINT (untimed) between phases. Then a cluster with two years of history at
// min(N, 300,000) users: synth --years 2 → initial load → the same day of change → incremental; above
// 300,000 users a one-year cluster at 300,000 first, for the comparison at the same size.
import { execFileSync } from "node:child_process";
import os from "node:os";
import postgres, { type Sql } from "postgres";
import { projectRoot } from "../config.ts";
import { startThrowaway, type Throwaway } from "../throwaway.ts";
import { synth } from "../../synth.ts";
import { type BaselineResult, readModels, checkBaselineFiles, runBaseline, describeDisagreement } from "./baseline.ts";
import { runFloor } from "./floor.ts";
import { checkDisk, installBenchSql, layerBytes, readSources, settle, sourceBytesPerUser, timed } from "./measure.ts";
import { runPipelinePhase } from "./pipeline-phase.ts";
import { timeQueries } from "./queries.ts";
import { type BenchResult, computeRatios, evaluateTargets, type IncrementalScenario, type Phase, units } from "./report.ts";

export const seed = 42;
/** Peak bytes of a run over its source bytes: the source, raw + staging + marts (3.6 at 10,000 users), the baseline (1.2). */
const peakFactor = 5.8;

/** The two-year comparison runs at most at this many users. */
export const twoYearUsers = 300_000;

/** The day before synth's default as-of: the year ends a day ago, and the day of change (the 24 hours after) is in the past too. */
export function benchAsOf(defaultAsOf: string): string {
  return new Date(Date.parse(`${defaultAsOf}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

function gitCommit(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: projectRoot, encoding: "utf8" }).trim();
    const status = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: projectRoot, encoding: "utf8" }).trim();
    return { commit, dirty: status !== "" };
  } catch {
    return { commit: "unknown", dirty: false };
  }
}

/** Throwaway clusters still running: stopped on Ctrl-C too. */
const running = new Set<Throwaway>();
let signalsHooked = false;
function hookSignals(log: (line: string) => void): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`\n${signal}: stopping ${running.size} throwaway cluster(s)`);
      for (const c of running) c.stop();
      process.exit(130);
    });
  }
}

async function withCluster<T>(name: string, log: (line: string) => void, fn: (db: Throwaway, sql: Sql) => Promise<T>): Promise<T> {
  const db = await startThrowaway(name, { production: true });
  running.add(db);
  const sql = postgres(db.url, { max: 1, onnotice: () => {}, connection: { application_name: "petforce-bench" } });
  try {
    await installBenchSql(sql);
    return await fn(db, sql);
  } finally {
    await sql.end({ timeout: 5 });
    db.stop();
    running.delete(db);
    log(`${name}: cluster stopped and deleted`);
  }
}

/** How many runs a backfill took, when more than one (each stops starting steps after the time budget). */
const runsNote = (runs: number) => (runs > 1 ? ` in ${runs} runs (the backfill's time budget; each continued the last)` : "");

interface Synthesized {
  phase: Phase;
}

async function synthPhase(sql: Sql, url: string, users: number, years: number, asOf: string): Promise<Synthesized> {
  checkDisk(`${years === 1 ? "one year" : `${years} years`} of synthetic data for ${users.toLocaleString("en-US")} users`, users * sourceBytesPerUser(years) * 1.2);
  const { seconds } = await timed(() => synth(url, { users, seed, asOf, years, append: false, allowRemote: false }));
  const bytes = await layerBytes(sql, await readSources(sql));
  return { phase: { seconds, rows: bytes.source_rows, bytes: bytes.source } };
}

/** synth → initial load → day of change → incremental, for the comparison of histories. */
async function scenario(
  name: string,
  users: number,
  years: number,
  asOf: string,
  volumes: Record<string, number> | null,
  log: (line: string) => void,
): Promise<{ scenario: IncrementalScenario; volumes: Record<string, number>; steps: BenchResult["steps"]["incremental"] }> {
  return await withCluster(name, log, async (db, sql) => {
    const sources = await readSources(sql);
    const made = await synthPhase(sql, db.url, users, years, asOf);
    log(`${name}: synthetic data, ${years === 1 ? "one year" : `${years} years`}: ${made.phase.rows?.toLocaleString("en-US")} source rows, ${((made.phase.bytes ?? 0) / 1e6).toFixed(0)} MB in ${made.phase.seconds.toFixed(1)} s`);
    await settle(sql);
    checkDisk(`${name}'s initial load`, 4 * (made.phase.bytes ?? 0));
    log(`${name}: initial load, step by step:`);
    const initial = await runPipelinePhase(sql, db.url, "initial load", log);
    log(`${name}: initial load: ${initial.seconds.toFixed(1)} s${runsNote(initial.runs)}`);
    const afterInitial = await layerBytes(sql, sources);
    await settle(sql);
    const day = await dayOfChange(sql, asOf, volumes);
    log(`${name}: day of change: ${day.rows.toLocaleString("en-US")} rows in ${day.phase.seconds.toFixed(1)} s${volumes ? " (the 1-year run's volumes)" : ""}`);
    await settle(sql);
    log(`${name}: incremental run, step by step:`);
    const incremental = await runPipelinePhase(sql, db.url, "incremental run", log);
    log(`${name}: incremental run: ${incremental.seconds.toFixed(1)} s`);
    const afterIncremental = await layerBytes(sql, sources);
    const warehouse = (b: typeof afterInitial) => b.raw + b.staging + b.marts;
    return {
      scenario: {
        users,
        years,
        measured_on: "own cluster",
        synth: made.phase,
        initial_load: { seconds: initial.seconds, rows: initial.rows, bytes: warehouse(afterInitial) },
        day_of_change: day.phase,
        incremental: { seconds: incremental.seconds, rows: incremental.rows, bytes: warehouse(afterIncremental) - warehouse(afterInitial) },
      },
      volumes: day.volumes,
      steps: incremental.steps,
    };
  });
}

async function dayOfChange(sql: Sql, asOf: string, volumes: Record<string, number> | null) {
  const [{ v }] = volumes ? [{ v: volumes }] : await sql`select bench.day_of_change_volumes(${asOf}::date) as v`;
  const before = await sql`select sum(pg_total_relation_size(format('%I.%I', source_schema, source_table)::regclass))::bigint as b from warehouse.sources`;
  const { seconds, result } = await timed(() =>
    sql.begin((tx) => tx`select change, row_count::bigint from bench.day_of_change(${asOf}::date, ${seed}, ${sql.json(v)})`));
  const after = await sql`select sum(pg_total_relation_size(format('%I.%I', source_schema, source_table)::regclass))::bigint as b from warehouse.sources`;
  const changes = (result as unknown as Array<{ change: string; row_count: string }>).map((c) => ({ change: c.change, rows: Number(c.row_count) }));
  const rows = changes.filter((c) => c.change !== "deletions captured").reduce((n, c) => n + c.rows, 0);
  return {
    phase: { seconds, rows, bytes: Number(after[0].b) - Number(before[0].b) },
    rows,
    changes,
    volumes: Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, n]) => [k, Number(n)])),
  };
}

export interface BenchRunOptions {
  users: number;
  queryRuns: number;
  asOf: string;
  date: string;
}

export async function runBench(o: BenchRunOptions, log: (line: string) => void): Promise<Omit<BenchResult, "ratios" | "targets">> {
  hookSignals(log);
  const loadAverage = os.loadavg();
  const git = gitCommit();
  const main = `1-year cluster (${o.users.toLocaleString("en-US")} users)`;

  const mainRun = await withCluster(main, log, async (db, sql) => {
    const [{ version, settings }] = await sql`
      select version(), concat_ws(', ', 'wal_level ' || current_setting('wal_level'), 'fsync ' || current_setting('fsync'),
        'full_page_writes ' || current_setting('full_page_writes'), 'shared_buffers ' || current_setting('shared_buffers')) as settings`;
    const models = await readModels(sql);
    checkBaselineFiles(models);
    const sources = await readSources(sql);
    // At its peak (the baseline beside the pipeline's layers) a run holds about 6 times the source bytes.
    checkDisk(`a one-year run at ${o.users.toLocaleString("en-US")} users (at its peak)`, peakFactor * o.users * sourceBytesPerUser(1));

    const made = await synthPhase(sql, db.url, o.users, 1, o.asOf);
    log(`${main}: synthetic data: ${made.phase.rows?.toLocaleString("en-US")} source rows, ${((made.phase.bytes ?? 0) / 1e6).toFixed(0)} MB in ${made.phase.seconds.toFixed(1)} s`);
    await settle(sql);

    checkDisk("the floor (three copies of the source tables)", 3 * (made.phase.bytes ?? 0));
    const floor = await runFloor(sql, sources);
    log(`${main}: floor (3 plain copies): ${floor.seconds.toFixed(1)} s, ${(floor.bytes / 1e6).toFixed(0)} MB`);
    await settle(sql);

    checkDisk("the initial load", 4 * (made.phase.bytes ?? 0));
    log(`${main}: initial load, step by step:`);
    const initial = await runPipelinePhase(sql, db.url, "initial load", log);
    log(`${main}: initial load: ${initial.seconds.toFixed(1)} s${runsNote(initial.runs)}`);
    await settle(sql);
    const afterInitial = await layerBytes(sql, sources);

    checkDisk("the full-refresh baseline", 1.2 * (afterInitial.staging + afterInitial.marts));
    log(`${main}: full-refresh baseline on the initial data, model by model:`);
    const baseInitial = await runBaseline(sql, models, log);
    log(`${main}: full-refresh baseline: ${baseInitial.seconds.toFixed(1)} s; marts ${baseInitial.agree ? "identical to the pipeline's" : "DIFFERENT"}`);
    for (const line of describeDisagreement(baseInitial.marts)) log(`  DIFFERENT ${line}`);
    await settle(sql);

    checkDisk("the day of change and the incremental run", 0.2 * (afterInitial.raw + afterInitial.staging + afterInitial.marts));
    const day = await dayOfChange(sql, o.asOf, null);
    log(`${main}: day of change: ${day.rows.toLocaleString("en-US")} rows in ${day.phase.seconds.toFixed(1)} s (${day.changes.map((c) => `${c.change} ${c.rows}`).join(", ")})`);
    await settle(sql);

    log(`${main}: incremental run, step by step:`);
    const incremental = await runPipelinePhase(sql, db.url, "incremental run", log);
    log(`${main}: incremental run: ${incremental.seconds.toFixed(1)} s`);
    await settle(sql);
    const afterIncremental = await layerBytes(sql, sources);

    checkDisk("the full-refresh baseline", 1.2 * (afterIncremental.staging + afterIncremental.marts));
    log(`${main}: full-refresh baseline after the change, model by model:`);
    const baseAfter = await runBaseline(sql, models, log);
    log(`${main}: full-refresh baseline: ${baseAfter.seconds.toFixed(1)} s; marts ${baseAfter.agree ? "identical to the pipeline's" : "DIFFERENT"}`);
    for (const line of describeDisagreement(baseAfter.marts)) log(`  DIFFERENT ${line}`);
    await settle(sql);

    log(`${main}: queries as the Metabase login, ${o.queryRuns} runs each:`);
    const queries = await timeQueries(db.url, sql, o.queryRuns, log);

    const warehouse = (b: typeof afterInitial) => b.raw + b.staging + b.marts;
    const baselinePhase = (b: BaselineResult) => ({ seconds: b.seconds, rows: b.rows, bytes: b.bytes, models: b.models });
    return {
      version: String(version),
      settings: String(settings),
      synth: made.phase,
      floor: { seconds: floor.seconds, rows: floor.rows, bytes: floor.bytes, layers: floor.layers },
      initial: { seconds: initial.seconds, rows: initial.rows, bytes: warehouse(afterInitial) },
      initialSteps: initial.steps,
      baseInitial,
      baseInitialPhase: baselinePhase(baseInitial),
      day,
      incremental: { seconds: incremental.seconds, rows: incremental.rows, bytes: warehouse(afterIncremental) - warehouse(afterInitial) },
      incrementalSteps: incremental.steps,
      baseAfter,
      baseAfterPhase: baselinePhase(baseAfter),
      queries,
      afterInitial,
      afterIncremental,
    };
  });

  // The history comparison: the same day of change (same volumes) on one and two years of history.
  const users2y = Math.min(o.users, twoYearUsers);
  let oneYear: IncrementalScenario;
  let volumes = mainRun.day.volumes;
  if (o.users > twoYearUsers) {
    const ref = await scenario(`1-year cluster (${users2y.toLocaleString("en-US")} users)`, users2y, 1, o.asOf, null, log);
    oneYear = ref.scenario;
    volumes = ref.volumes;
  } else {
    oneYear = {
      users: o.users,
      years: 1,
      measured_on: "main run",
      synth: mainRun.synth,
      initial_load: mainRun.initial,
      day_of_change: mainRun.day.phase,
      incremental: mainRun.incremental,
    };
  }
  const twoYears = await scenario(`2-year cluster (${users2y.toLocaleString("en-US")} users)`, users2y, 2, o.asOf, volumes, log);

  const result: Omit<BenchResult, "ratios" | "targets"> = {
    users: o.users,
    date: o.date,
    as_of: o.asOf,
    seed,
    git_commit: git.commit,
    git_dirty: git.dirty,
    machine: {
      cores: os.cpus().length,
      memory_bytes: os.totalmem(),
      cpu: os.cpus()[0]?.model ?? "unknown",
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
      postgres: mainRun.version,
      postgres_settings: mainRun.settings,
      load_average_at_start: loadAverage,
    },
    options: { query_runs: o.queryRuns, years: 1 },
    units,
    phases: {
      synth: mainRun.synth,
      floor: mainRun.floor,
      initial_load: mainRun.initial,
      full_refresh_initial: mainRun.baseInitialPhase,
      day_of_change: { ...mainRun.day.phase, volumes: mainRun.day.volumes, changes: mainRun.day.changes },
      incremental: mainRun.incremental,
      full_refresh_after_change: mainRun.baseAfterPhase,
      one_year: oneYear,
      two_years: twoYears.scenario,
    },
    steps: { initial_load: mainRun.initialSteps, incremental: mainRun.incrementalSteps, two_years_incremental: twoYears.steps },
    queries: mainRun.queries,
    memory: { node_max_rss_bytes: process.resourceUsage().maxRSS * 1024 },
    bytes: { after_initial_load: mainRun.afterInitial, after_incremental: mainRun.afterIncremental },
    agreement: {
      after_initial_load: { agree: mainRun.baseInitial.agree, marts: mainRun.baseInitial.marts },
      after_change: { agree: mainRun.baseAfter.agree, marts: mainRun.baseAfter.marts },
    },
  };
  return result;
}

export function finish(r: Omit<BenchResult, "ratios" | "targets">): BenchResult {
  const ratios = computeRatios(r);
  return { ...r, ratios, targets: evaluateTargets(r, ratios) };
}

/** The marts that differ, as one sentence for the error (empty when pipeline and baseline agree). */
export function disagreement(r: BenchResult): string {
  const parts: string[] = [];
  const differing = (a: { marts: Array<{ model: string; agree: boolean }> }) => a.marts.filter((m) => !m.agree).map((m) => m.model);
  if (!r.agreement.after_initial_load.agree) parts.push(`after the initial load ${differing(r.agreement.after_initial_load).join(", ")}`);
  if (!r.agreement.after_change.agree) parts.push(`after the change ${differing(r.agreement.after_change).join(", ")}`);
  return parts.length ? `the pipeline's marts and the full-refresh baseline differ: ${parts.join("; ")} (the rows that differ are printed above)` : "";
}
