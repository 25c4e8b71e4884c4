// The benchmark's result (what bench/results/*.json holds), its ratios, the targets beside them, and
// the table `npm run bench` prints. Pure: no database, no clock.
import type { MartAgreement } from "./baseline.ts";
import type { LayerBytes } from "./measure.ts";
import type { StepTiming } from "./pipeline-phase.ts";
import type { QueryTiming } from "./queries.ts";

/** A timed phase: wall seconds, the rows it wrote and the bytes it left (null where neither applies). */
export interface Phase {
  seconds: number;
  rows: number | null;
  bytes: number | null;
}

export interface IncrementalScenario {
  users: number;
  years: number;
  /** "main run": the figures of the main cluster; "own cluster": measured on a cluster of their own. */
  measured_on: "main run" | "own cluster";
  synth: Phase;
  initial_load: Phase;
  day_of_change: Phase;
  incremental: Phase;
}

export interface Ratios {
  initial_over_floor: number;
  initial_over_full_refresh: number;
  incremental_over_full_refresh: number;
  incremental_over_initial: number;
  incremental_2y_over_1y: number;
  /** The slowest query's p95, in milliseconds. */
  query_p95_max: number;
  warehouse_bytes_over_source_after_initial: number;
  warehouse_bytes_over_source_after_incremental: number;
}

export interface Target {
  name: string;
  value: number;
  unit: string;
  target: string;
  /** null: the target does not apply at this size. */
  pass: boolean | null;
}

export interface BenchResult {
  users: number;
  date: string;
  as_of: string;
  seed: number;
  git_commit: string;
  git_dirty: boolean;
  machine: { cores: number; memory_bytes: number; cpu: string; platform: string; node: string; postgres: string; postgres_settings?: string; load_average_at_start: number[] };
  options: { query_runs: number; years: number };
  units: Record<string, string>;
  phases: {
    synth: Phase;
    floor: Phase & { layers: Array<{ layer: number; seconds: number; rows: number; bytes: number }> };
    initial_load: Phase;
    full_refresh_initial: Phase & { models: Array<{ model: string; layer: string; seconds: number; rows: number; bytes: number }> };
    day_of_change: Phase & { volumes: Record<string, number>; changes: Array<{ change: string; rows: number }> };
    incremental: Phase;
    full_refresh_after_change: Phase & { models: Array<{ model: string; layer: string; seconds: number; rows: number; bytes: number }> };
    one_year: IncrementalScenario;
    two_years: IncrementalScenario;
  };
  steps: { initial_load: StepTiming[]; incremental: StepTiming[]; two_years_incremental: StepTiming[] };
  queries: QueryTiming[];
  memory: { node_max_rss_bytes: number };
  bytes: { after_initial_load: LayerBytes; after_incremental: LayerBytes };
  agreement: {
    after_initial_load: { agree: boolean; marts: MartAgreement[] };
    after_change: { agree: boolean; marts: MartAgreement[] };
  };
  ratios: Ratios;
  targets: Target[];
}

export const units = {
  seconds: "wall seconds, measured by the client",
  bytes: "pg_total_relation_size summed (tables, indexes, TOAST)",
  median_ms: "milliseconds", p95_ms: "milliseconds (nearest rank)", query_p95_max: "milliseconds",
  node_max_rss_bytes: "bytes (process.resourceUsage().maxRSS)",
};

const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);

export function computeRatios(r: Omit<BenchResult, "ratios" | "targets">): Ratios {
  const p = r.phases;
  return {
    initial_over_floor: ratio(p.initial_load.seconds, p.floor.seconds),
    initial_over_full_refresh: ratio(p.initial_load.seconds, p.full_refresh_initial.seconds),
    incremental_over_full_refresh: ratio(p.incremental.seconds, p.full_refresh_after_change.seconds),
    incremental_over_initial: ratio(p.incremental.seconds, p.initial_load.seconds),
    incremental_2y_over_1y: ratio(p.two_years.incremental.seconds, p.one_year.incremental.seconds),
    query_p95_max: Math.max(0, ...r.queries.map((q) => q.p95_ms)),
    warehouse_bytes_over_source_after_initial: r.bytes.after_initial_load.warehouse_over_source,
    warehouse_bytes_over_source_after_incremental: r.bytes.after_incremental.warehouse_over_source,
  };
}

/** The targets, each beside its figure. Speed is measured, never asserted: a target only reads pass or fail. */
export function evaluateTargets(r: Omit<BenchResult, "ratios" | "targets">, x: Ratios): Target[] {
  const mb = r.memory.node_max_rss_bytes / 1e6;
  const slowest = r.queries.reduce((a, q) => (q.p95_ms > (a?.p95_ms ?? -1) ? q : a), undefined as QueryTiming | undefined);
  return [
    { name: "initial load ≤ full-refresh baseline", value: x.initial_over_full_refresh, unit: "×", target: "≤ 1", pass: x.initial_over_full_refresh <= 1 },
    { name: "initial load ≤ 5 × floor", value: x.initial_over_floor, unit: "×", target: "≤ 5", pass: x.initial_over_floor <= 5 },
    { name: "incremental ≤ baseline / 30", value: x.incremental_over_full_refresh, unit: "×", target: "≤ 0.033", pass: x.incremental_over_full_refresh <= 1 / 30 },
    { name: "incremental ≤ 2% of initial load", value: x.incremental_over_initial, unit: "×", target: "≤ 0.02", pass: x.incremental_over_initial <= 0.02 },
    {
      name: "incremental < 60 s at 1M users",
      value: r.phases.incremental.seconds,
      unit: "s",
      target: r.users >= 1_000_000 ? "< 60" : "< 60 (applies at 1,000,000 users)",
      pass: r.users >= 1_000_000 ? r.phases.incremental.seconds < 60 : null,
    },
    {
      name: `2-year incremental within 25% of 1-year (${r.phases.two_years.users.toLocaleString("en-US")} users)`,
      value: x.incremental_2y_over_1y, unit: "×", target: "0.75 – 1.25", pass: Math.abs(x.incremental_2y_over_1y - 1) <= 0.25,
    },
    {
      name: `every query p95 < 100 ms${slowest ? ` (slowest: ${slowest.name})` : ""}`,
      value: x.query_p95_max, unit: "ms", target: "< 100", pass: x.query_p95_max < 100,
    },
    { name: "Node RSS < 300 MB", value: mb, unit: "MB", target: "< 300", pass: mb < 300 },
    {
      name: "raw+staging+marts ≤ 2.5 × source bytes, after the initial load",
      value: x.warehouse_bytes_over_source_after_initial, unit: "×", target: "≤ 2.5", pass: x.warehouse_bytes_over_source_after_initial <= 2.5,
    },
    {
      name: "raw+staging+marts ≤ 2.5 × source bytes, after the incremental run",
      value: x.warehouse_bytes_over_source_after_incremental, unit: "×", target: "≤ 2.5", pass: x.warehouse_bytes_over_source_after_incremental <= 2.5,
    },
  ];
}

const int = (n: number | null) => (n === null ? "-" : Math.round(n).toLocaleString("en-US"));
export const size = (bytes: number | null) => {
  if (bytes === null) return "-";
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e3).toFixed(0)} kB`;
};
const secs = (s: number) => s.toFixed(s < 10 ? 2 : 1);
const fixed = (v: number, unit: string) =>
  Number.isNaN(v) ? "n/a" : unit === "×" ? (v < 0.1 ? v.toFixed(4) : v.toFixed(2)) : unit === "ms" ? v.toFixed(1) : v.toFixed(1);

function table(header: string[], rows: string[][], align: Array<"l" | "r">): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => "  " + cells.map((c, i) => (align[i] === "l" ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

export function renderReport(r: BenchResult): string {
  const p = r.phases;
  const phase = (name: string, x: Phase) => [name, secs(x.seconds), int(x.rows), size(x.bytes)];
  const out: string[] = [];
  out.push(
    `PetForce warehouse benchmark: ${r.users.toLocaleString("en-US")} users, one year as of ${r.as_of} (seed ${r.seed}), ` +
      `${r.date}, commit ${r.git_commit.slice(0, 10)}${r.git_dirty ? " (with uncommitted changes)" : ""}`,
    `machine: ${r.machine.cores} cores (${r.machine.cpu}), ${size(r.machine.memory_bytes)} memory, load average at start ` +
      `${r.machine.load_average_at_start.map((l) => l.toFixed(2)).join(" ")}; ${r.machine.postgres.split(" on ")[0]}` +
      (r.machine.postgres_settings ? ` (${r.machine.postgres_settings})` : ""),
    "",
    "Phases",
    ...table(["phase", "seconds", "rows", "bytes"], [
      phase("synthetic data", p.synth),
      phase("floor: 3 plain copies of every source table", p.floor),
      phase("initial load (the pipeline's first run)", p.initial_load),
      phase("full-refresh baseline, initial data", p.full_refresh_initial),
      phase("day of change (the app's writes)", p.day_of_change),
      phase("incremental run", p.incremental),
      phase("full-refresh baseline, after the change", p.full_refresh_after_change),
      ...(p.one_year.measured_on === "own cluster"
        ? [
          phase(`1 year, ${p.one_year.users.toLocaleString("en-US")} users: synthetic data`, p.one_year.synth),
          phase(`1 year, ${p.one_year.users.toLocaleString("en-US")} users: initial load`, p.one_year.initial_load),
          phase(`1 year, ${p.one_year.users.toLocaleString("en-US")} users: incremental run`, p.one_year.incremental),
        ]
        : []),
      phase(`2 years, ${p.two_years.users.toLocaleString("en-US")} users: synthetic data`, p.two_years.synth),
      phase(`2 years, ${p.two_years.users.toLocaleString("en-US")} users: initial load`, p.two_years.initial_load),
      phase(`2 years, ${p.two_years.users.toLocaleString("en-US")} users: day of change`, p.two_years.day_of_change),
      phase(`2 years, ${p.two_years.users.toLocaleString("en-US")} users: incremental run`, p.two_years.incremental),
    ], ["l", "r", "r", "r"]),
  );
  const steps = (title: string, list: StepTiming[]) => [
    "",
    title,
    ...table(["step", "seconds", "rows in", "rows out", "rows/s"], list.map((s) => [
      `${s.step} ${s.target ?? ""}`.trimEnd(), secs(s.seconds), int(s.rows_in), int(s.rows_out), int(s.rows_per_second),
    ]), ["l", "r", "r", "r", "r"]),
  ];
  out.push(...steps("Steps of the initial load", r.steps.initial_load), ...steps("Steps of the incremental run", r.steps.incremental));
  out.push(
    "",
    "Full-refresh baseline per model (initial data | after the change), seconds",
    ...table(["model", "initial", "after change", "rows"], p.full_refresh_initial.models.map((m, i) => [
      m.model, secs(m.seconds), secs(p.full_refresh_after_change.models[i]?.seconds ?? Number.NaN), int(p.full_refresh_after_change.models[i]?.rows ?? m.rows),
    ]), ["l", "r", "r", "r"]),
  );
  out.push(
    "",
    `Queries as the Metabase login (${r.options.query_runs} runs each), milliseconds`,
    ...table(["query", "median", "p95", "rows"], r.queries.map((q) => [q.name, q.median_ms.toFixed(1), q.p95_ms.toFixed(1), int(q.rows)]), ["l", "r", "r", "r"]),
  );
  const bytesRow = (name: string, b: LayerBytes) => [
    name, size(b.source), size(b.raw), size(b.staging), size(b.marts), `${b.warehouse_over_source.toFixed(2)}×`,
  ];
  const perRow = (name: string, b: LayerBytes) => [
    name, b.per_source_row.source.toFixed(0), b.per_source_row.raw.toFixed(0), b.per_source_row.staging.toFixed(0), b.per_source_row.marts.toFixed(0), "",
  ];
  out.push(
    "",
    `Bytes per layer (${int(r.bytes.after_initial_load.source_rows)} source rows after the initial load, ${int(r.bytes.after_incremental.source_rows)} after the change)`,
    ...table(["", "source", "raw", "staging", "marts", "warehouse/source"], [
      bytesRow("after the initial load", r.bytes.after_initial_load),
      perRow("  per source row", r.bytes.after_initial_load),
      bytesRow("after the incremental run", r.bytes.after_incremental),
      perRow("  per source row", r.bytes.after_incremental),
    ], ["l", "r", "r", "r", "r", "r"]),
  );
  const agreement = (name: string, a: { agree: boolean; marts: MartAgreement[] }) =>
    `  ${name}: ${a.agree ? `all ${a.marts.length} marts identical (${int(a.marts.reduce((n, m) => n + m.pipeline_rows, 0))} rows)` : `DIFFERENT: ${a.marts.filter((m) => !m.agree).map((m) => m.model).join(", ")}`}`;
  out.push(
    "",
    "Pipeline marts against the full-refresh baseline (ordered checksum of every non-metadata column)",
    agreement("after the initial load", r.agreement.after_initial_load),
    agreement("after the change", r.agreement.after_change),
  );
  out.push(
    "",
    "Ratios and targets (measured, never asserted)",
    ...table(["", "value", "target", ""], r.targets.map((t) => [
      t.name, `${fixed(t.value, t.unit)}${t.unit === "×" ? "×" : ` ${t.unit}`}`, t.target, t.pass === null ? "n/a" : t.pass ? "pass" : "FAIL",
    ]), ["l", "r", "l", "l"]),
    "",
    `Node peak RSS ${size(r.memory.node_max_rss_bytes)}`,
  );
  return out.join("\n");
}
