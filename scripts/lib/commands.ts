// The commands of `npm run warehouse -- <command>`: the operations a data engineer does by hand. The
// command line is parsed here (node:util parseArgs, strict, then zod); each command takes a postgres.js
// `sql` and returns the text to print and the exit code, so it can be tested without a terminal.
// A mistake in the command line is a UsageError (exit 2); anything the database says is an Error (exit 1).
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { Sql } from "postgres";
import { z } from "zod";
import { readCatalog, renderCatalog, writeCatalog } from "./catalog.ts";
import { formatRun, readRun, runPipeline } from "./pipeline.ts";

/** A mistake in the command line: one line on stderr and exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface CommandResult {
  /** What goes to stdout. */
  text: string;
  /** 0 done; 1 the run failed, a freshness test failed, or the erasure was refused. */
  exitCode: 0 | 1;
  /** One line for stderr, if any. */
  note?: string;
}

// ---------------------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------------------

type Options = NonNullable<ParseArgsConfig["options"]>;

interface CommandSpec {
  name: string;
  synopsis: string;
  summary: string;
  details: string;
  options: Options;
  optionHelp: Array<[string, string]>;
  positionals: number;
}

const program = "npm run warehouse --";

const specs: CommandSpec[] = [
  {
    name: "run",
    synopsis: "run [--full-refresh]",
    summary: "run the pipeline once, exactly as the cron job does, and print its steps",
    details: "Calls warehouse.run_pipeline() as the daily cron job does: partition upkeep, extraction of every source,\n" +
      "staging, tests, marts, tests, publish. Prints each step. Exits 1 if the run failed, or was skipped\n" +
      "because another run held the lock.",
    options: { "full-refresh": { type: "boolean" } },
    optionHelp: [["--full-refresh", "rebuild staging and marts from raw (a backfill)"]],
    positionals: 0,
  },
  {
    name: "backfill",
    synopsis: "backfill [--full-refresh]",
    summary: "the first load (or, with --full-refresh, a rebuild) in committed steps, to the end, with progress",
    details: "A first load or full refresh is a backfill: one step per source, per model, per layer's tests, then\n" +
      "publish, each committed on its own (analysts see an empty warehouse until it publishes). The daily\n" +
      "job continues an unfinished one within its time budget; this runs it to the end without one,\n" +
      "printing a progress bar after each step. A killed backfill resumes at the step it was in. Exits 1\n" +
      "if it failed or a layer's tests blocked it.",
    options: { "full-refresh": { type: "boolean" } },
    optionHelp: [["--full-refresh", "rebuild staging and marts from raw (also when nothing needs a backfill)"]],
    positionals: 0,
  },
  {
    name: "runs",
    synopsis: "runs [--limit N]",
    summary: "the last N runs (default 10), then the failing tests of the latest failed run",
    details: "Lists the newest pipeline runs (id, status, start, duration, who ran it, error), then the tests that\n" +
      "failed in the latest failed run, with their failing-row counts and sample keys.",
    options: { limit: { type: "string" } },
    optionHelp: [["--limit N", "how many runs to list, 1 to 1000 (default 10)"]],
    positionals: 0,
  },
  {
    name: "tests",
    synopsis: "tests [--run ID]",
    summary: "the quality-test results of a run (default: the latest run that ran tests)",
    details: "Prints every quality-test result of a pipeline run, failures first: test, severity, status, failing\n" +
      "rows, message, and sample keys of failing rows.",
    options: { run: { type: "string" } },
    optionHelp: [["--run ID", "the pipeline run (default: the latest run that ran tests)"]],
    positionals: 0,
  },
  {
    name: "freshness",
    synopsis: "freshness",
    summary: "check freshness now, as the hourly job does, and print each freshness test",
    details: "Runs select warehouse.check_freshness(), as the hourly cron job does: every freshness test is\n" +
      "evaluated and recorded, and a breach enqueues the day's alert. Exits 1 if a test fails (is past its\n" +
      "error threshold or could not run); a warning exits 0.",
    options: {},
    optionHelp: [],
    positionals: 0,
  },
  {
    name: "sweep",
    synopsis: "sweep",
    summary: "run every quality test on all rows now, as the weekly sweep job does",
    details: "Runs select warehouse.run_quality_sweep(), as the weekly cron job does: a pipeline run tests only the\n" +
      "rows it changed; the sweep evaluates every enabled test on every row of the published tables, records\n" +
      "the results (run_id NULL) and, if any warned or failed, enqueues one alert. Exits 1 if an\n" +
      "error-severity test fails.",
    options: {},
    optionHelp: [],
    positionals: 0,
  },
  {
    name: "forget",
    synopsis: "forget <user-id> [--yes]",
    summary: "erase a user from raw, staging and marts (right to erasure)",
    details: "Calls warehouse.forget_user: deletes every row of the user in raw, staging and marts and records the\n" +
      "erasure without PII, so extraction never brings the user back. Without --yes it only shows the\n" +
      "rows it would delete, deletes nothing and exits 1.",
    options: { yes: { type: "boolean" } },
    optionHelp: [["--yes", "really delete (there is no undo)"]],
    positionals: 1,
  },
  {
    name: "docs",
    synopsis: "docs [--write]",
    summary: "print the catalog: lineage (Mermaid), models, sources, tests, columns",
    details: "Prints the warehouse catalog, read from the database itself, as Markdown.",
    options: { write: { type: "boolean" } },
    optionHelp: [["--write", "write it to docs/catalog.md instead, like npm run docs"]],
    positionals: 0,
  },
];

const commandNames = specs.map((s) => s.name);

export function usage(): string {
  const width = Math.max(...specs.map((s) => s.synopsis.length), "help [command]".length) + 2;
  return [
    `usage: ${program} <command> [options]`,
    "",
    "The PetForce warehouse by hand, against DATABASE_URL (default: the local cluster on 127.0.0.1:PGPORT).",
    "",
    "commands:",
    ...specs.map((s) => `  ${s.synopsis.padEnd(width)}${s.summary}`),
    `  ${"help [command]".padEnd(width)}this text, or one command's (also: <command> --help)`,
    "",
    "Exit codes: 0 done; 1 the database refused, or a run, freshness test or erasure did not go through;",
    "2 a mistake in the command line. WAREHOUSE_DEBUG=1 adds stack traces to database errors.",
  ].join("\n");
}

export function commandUsage(name: string): string {
  const spec = specOf(name);
  const options: Array<[string, string]> = [...spec.optionHelp, ["-h, --help", "this text"]];
  const width = Math.max(...options.map(([o]) => o.length)) + 2;
  return [
    `usage: ${program} ${spec.synopsis}`,
    "",
    spec.summary.charAt(0).toUpperCase() + spec.summary.slice(1) + ".",
    spec.details,
    "",
    "options:",
    ...options.map(([o, d]) => `  ${o.padEnd(width)}${d}`),
  ].join("\n");
}

function specOf(name: string): CommandSpec {
  const spec = specs.find((s) => s.name === name);
  if (!spec) throw new UsageError(`unknown command "${name}" (commands: ${commandNames.join(", ")}; see ${program} --help)`);
  return spec;
}

const wholeNumber = (flag: string, min: number, max: number) =>
  z.string()
    .regex(/^[0-9]+$/, { error: (iss) => `${flag} must be a whole number, not "${iss.input}"` })
    .transform(Number)
    .pipe(z.number().int().min(min, `${flag} must be at least ${min}`).max(max, `${flag} must be at most ${max}`));

const userId = z.string({ error: `a user id is required: ${program} forget <user-id> [--yes]` })
  .trim()
  .pipe(z.guid({ error: (iss) => `the user id must be a UUID (like 6f1c2a9e-0b7d-4c1e-9a55-3d2f8e4b7c10), not "${iss.input}"` }))
  .transform((s) => s.toLowerCase());

const schemas = {
  run: z.object({ fullRefresh: z.boolean().default(false) }),
  backfill: z.object({ fullRefresh: z.boolean().default(false) }),
  runs: z.object({ limit: wholeNumber("--limit", 1, 1000).default(10) }),
  tests: z.object({ runId: wholeNumber("--run", 1, Number.MAX_SAFE_INTEGER).optional() }),
  freshness: z.object({}),
  sweep: z.object({}),
  forget: z.object({ userId, yes: z.boolean().default(false) }),
  docs: z.object({ write: z.boolean().default(false) }),
};

export type Command =
  | { name: "run"; fullRefresh: boolean }
  | { name: "backfill"; fullRefresh: boolean }
  | { name: "runs"; limit: number }
  | { name: "tests"; runId?: number }
  | { name: "freshness" }
  | { name: "sweep" }
  | { name: "forget"; userId: string; yes: boolean }
  | { name: "docs"; write: boolean };

export type Parsed = { kind: "help"; text: string } | { kind: "command"; command: Command };

/** parseArgs's own messages, reworded as one line that names the option and the command. */
function parseArgsMessage(command: string, err: Error & { code?: string }): string {
  const quoted = /'([^']+)'/.exec(err.message)?.[1];
  const hint = `see ${program} ${command} --help`;
  switch (err.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `${command}: unknown option ${quoted ?? err.message} (${hint})`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const option = quoted?.split(" ")[0];
      if (!option) return `${command}: ${err.message}`;
      if (/does not take an argument/.test(err.message)) return `${command}: ${option} takes no value (${hint})`;
      if (/ambiguous/.test(err.message)) return `${command}: ${option} needs a value; for one starting with a dash write ${option}=<value> (${hint})`;
      return `${command}: ${option} needs a value (${hint})`;
    }
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `${command}: unexpected argument ${quoted ? `"${quoted}"` : err.message} (${hint})`;
    default:
      return `${command}: ${err.message}`;
  }
}

/** The command line (process.argv.slice(2)) as a command, or the help to print. Throws UsageError. */
export function parseCommandLine(argv: string[]): Parsed {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h") return { kind: "help", text: usage() };
  if (first === "help") {
    if (rest.length > 1) throw new UsageError(`help takes at most one command, not ${rest.length}`);
    return { kind: "help", text: rest[0] === undefined ? usage() : commandUsage(rest[0]) };
  }
  if (first.startsWith("-")) {
    throw new UsageError(`unknown option ${first}: give a command first (commands: ${commandNames.join(", ")}; see ${program} --help)`);
  }
  const spec = specOf(first);
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: { ...spec.options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    }) as { values: Record<string, string | boolean | undefined>; positionals: string[] });
  } catch (err) {
    throw new UsageError(parseArgsMessage(spec.name, err as Error & { code?: string }));
  }
  if (values.help) return { kind: "help", text: commandUsage(spec.name) };
  if (positionals.length > spec.positionals) {
    throw new UsageError(`${spec.name}: unexpected argument "${positionals[spec.positionals]}" (see ${program} ${spec.name} --help)`);
  }

  const input = {
    run: { fullRefresh: values["full-refresh"] },
    backfill: { fullRefresh: values["full-refresh"] },
    runs: { limit: values.limit },
    tests: { runId: values.run },
    freshness: {},
    sweep: {},
    forget: { userId: positionals[0], yes: values.yes },
    docs: { write: values.write },
  }[spec.name as keyof typeof schemas];
  const parsed = schemas[spec.name as keyof typeof schemas].safeParse(input);
  if (!parsed.success) throw new UsageError(`${spec.name}: ${parsed.error.issues[0].message}`);
  return { kind: "command", command: { name: spec.name, ...parsed.data } as Command };
}

// ---------------------------------------------------------------------------------------------
// Connecting
// ---------------------------------------------------------------------------------------------

/** host:port of a database URL, for messages (never the user or password). */
export function databaseAddress(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || "localhost"}:${u.port || "5432"}`;
  } catch {
    return "the DATABASE_URL given";
  }
}

const unreachable = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "CONNECT_TIMEOUT", "ECONNRESET"]);

/** The one line to say when the first query on a connection fails. */
export function connectionError(err: unknown, url: string): Error {
  const e = err as { code?: string; message?: string; errors?: Array<{ code?: string }> };
  const code = e.code ?? e.errors?.[0]?.code;
  const where = databaseAddress(url);
  if (code && unreachable.has(code)) {
    const local = /^(127\.0\.0\.1|localhost|\[::1\]):/.test(where);
    return new Error(`cannot connect to the database at ${where} (${code}): ${local
      ? "is the local cluster running? start it with npm run local:up"
      : "check DATABASE_URL (or unset it and start the local cluster with npm run local:up)"}`);
  }
  return new Error(`cannot connect to the database at ${where}: ${e.message ?? String(err)}`);
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

/** Left-aligned columns, two spaces apart, indented; the last column is not padded. */
export function table(headers: string[], rows: string[][], indent = "  "): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    indent + cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

const utc = (d: Date) => d.toISOString().slice(0, 19).replace("T", " ");

export function duration(seconds: number | null): string {
  if (seconds === null) return "-";
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  return m < 60 ? `${m}m ${String(s).padStart(2, "0")}s` : `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

const runListRow = z.object({
  run_id: z.coerce.number(),
  status: z.string(),
  full_refresh: z.boolean(),
  origin: z.string().nullable(),
  started_at: z.date(),
  seconds: z.coerce.number().nullable(),
  error: z.string().nullable(),
});

const testResultRow = z.object({
  test_name: z.string(),
  model_name: z.string(),
  severity: z.string(),
  status: z.enum(["pass", "warn", "fail", "error", "skipped"]),
  failing_rows: z.coerce.number(),
  sample_keys: z.array(z.string()),
  message: z.string().nullable(),
});

type TestResult = z.infer<typeof testResultRow>;

async function testResults(sql: Sql, runId: number, onlyFailing: boolean): Promise<TestResult[]> {
  const rows = await sql`
    select test_name, model_name, severity, status, failing_rows, sample_keys, message
    from warehouse.quality_test_results
    where run_id = ${runId} and (not ${onlyFailing} or status in ('fail', 'error'))
    order by array_position(array['error', 'fail', 'warn', 'pass', 'skipped'], status), model_name, test_name, result_id`;
  return rows.map((r) => testResultRow.parse(r));
}

export async function runCommand(sql: Sql, opts: { fullRefresh: boolean }): Promise<CommandResult> {
  const runId = await runPipeline(sql, { fullRefresh: opts.fullRefresh });
  const result = await readRun(sql, runId);
  return { text: formatRun(result), exitCode: result.run.status === "succeeded" ? 0 : 1 };
}

/** No time budget from the command line: a backfill runs to its end in one call. */
const untilTheEnd = 365 * 24 * 3600;

export async function backfillCommand(sql: Sql, opts: { fullRefresh: boolean }): Promise<CommandResult> {
  const [state] = await sql`
    select (warehouse.unfinished_backfill()).backfill_id as unfinished, warehouse.has_published() as published`;
  if (!opts.fullRefresh && state.unfinished === null && state.published) {
    return { text: "nothing to backfill: the warehouse is published and no backfill is unfinished (--full-refresh rebuilds it)", exitCode: 0 };
  }
  const runId = await runPipeline(sql, { fullRefresh: opts.fullRefresh, timeBudgetSeconds: untilTheEnd, untilDone: true });
  const result = await readRun(sql, runId);
  return { text: formatRun(result), exitCode: result.run.status === "succeeded" ? 0 : 1 };
}

export async function runsCommand(sql: Sql, opts: { limit: number }): Promise<CommandResult> {
  const rows = (await sql`
    select run_id, status, full_refresh, origin, started_at, error,
           extract(epoch from coalesce(finished_at, clock_timestamp()) - started_at)::float8 as seconds
    from warehouse.pipeline_runs
    order by run_id desc
    limit ${opts.limit}`).map((r) => runListRow.parse(r));
  if (rows.length === 0) return { text: "no pipeline runs yet (npm run warehouse -- run starts one)", exitCode: 0 };

  const lines = [
    `last ${rows.length} run${rows.length === 1 ? "" : "s"}:`,
    table(["run", "status", "started (UTC)", "duration", "by", "error"], rows.map((r) => [
      String(r.run_id),
      r.status + (r.full_refresh ? " (full refresh)" : ""),
      utc(r.started_at),
      r.status === "running" ? `${duration(r.seconds)} so far` : duration(r.seconds),
      r.origin ?? "-",
      r.error ?? "",
    ])),
    "",
  ];

  const [failed] = await sql`
    select run_id, status, full_refresh, origin, started_at, error, null::float8 as seconds
    from warehouse.pipeline_runs where status = 'failed' order by run_id desc limit 1`;
  if (!failed) {
    lines.push("no failed runs");
  } else {
    const run = runListRow.parse(failed);
    const failing = await testResults(sql, run.run_id, true);
    lines.push(`latest failed run: ${run.run_id}, started ${utc(run.started_at)} UTC — ${run.error ?? "no error recorded"}`);
    lines.push(failing.length === 0
      ? "  no quality test failed in that run"
      : table(["failing test", "severity", "status", "failing rows", "sample keys"], failing.map((t) => [
        t.test_name, t.severity, t.status, String(t.failing_rows), t.sample_keys.join(", ") || "-",
      ])));
  }
  return { text: lines.join("\n"), exitCode: 0 };
}

export async function testsCommand(sql: Sql, opts: { runId?: number }): Promise<CommandResult> {
  let runId = opts.runId;
  if (runId === undefined) {
    const [latest] = await sql`select max(run_id) as run_id from warehouse.quality_test_results where run_id is not null`;
    if (latest?.run_id === null || latest?.run_id === undefined) {
      return { text: "no run has run the quality tests yet (npm run warehouse -- run starts one)", exitCode: 0 };
    }
    runId = Number(latest.run_id);
  } else {
    const [exists] = await sql`select 1 from warehouse.pipeline_runs where run_id = ${runId}`;
    if (!exists) throw new Error(`no pipeline run ${runId} (npm run warehouse -- runs lists them)`);
  }
  const results = await testResults(sql, runId, false);
  if (results.length === 0) return { text: `run ${runId} ran no quality tests`, exitCode: 0 };
  const count = (s: string) => results.filter((r) => r.status === s).length;
  return {
    text: [
      `quality tests of run ${runId}: ${results.length} tests, ${count("pass")} pass, ${count("warn")} warn, ${count("fail")} fail, ${count("error")} error, ${count("skipped")} skipped (guaranteed by a constraint)`,
      table(["test", "severity", "status", "failing rows", "message"], results.map((t) => [
        t.test_name, t.severity, t.status, String(t.failing_rows),
        (t.message ?? "") + (t.sample_keys.length ? ` (sample keys: ${t.sample_keys.join(", ")})` : ""),
      ])),
    ].join("\n"),
    exitCode: 0,
  };
}

const freshnessSummary = z.object({
  tests: z.coerce.number(),
  breaches: z.array(z.object({ test_name: z.string(), status: z.string(), message: z.string().nullable() })),
});

export async function freshnessCommand(sql: Sql): Promise<CommandResult> {
  // check_freshness records one result per freshness test; read back this call's (the transaction's
  // start is before any of them), newest per test.
  const { summary, results } = await sql.begin(async (tx) => {
    const [{ check_freshness }] = await tx`select warehouse.check_freshness()`;
    const rows = await tx`
      select distinct on (test_name) test_name, model_name, severity, status, failing_rows, sample_keys, message
      from warehouse.quality_test_results
      where run_id is null and kind = 'freshness' and checked_at >= now()
      order by test_name, result_id desc`;
    return { summary: freshnessSummary.parse(check_freshness), results: rows.map((r) => testResultRow.parse(r)) };
  });
  if (summary.tests === 0) return { text: "no freshness tests are enabled", exitCode: 0 };
  const failing = results.filter((r) => r.status === "fail" || r.status === "error");
  const verdict = failing.length
    ? `${failing.length} failed: ${failing.map((r) => r.test_name).join(", ")} (a freshness alert is in warehouse.alert_outbox)`
    : summary.breaches.length
      ? `${summary.breaches.length} warning${summary.breaches.length === 1 ? "" : "s"} (a freshness alert is in warehouse.alert_outbox)`
      : "all fresh";
  return {
    text: [
      `freshness: ${summary.tests} test${summary.tests === 1 ? "" : "s"}, ${verdict}`,
      table(["test", "status", "message"], results.map((r) => [r.test_name, r.status, r.message ?? ""])),
    ].join("\n"),
    exitCode: failing.length ? 1 : 0,
  };
}

const sweepSummary = z.object({
  tests: z.coerce.number(),
  passed: z.coerce.number(),
  skipped: z.coerce.number(),
  failing_tests: z.array(z.string()),
  problems: z.array(z.object({ test_name: z.string(), failing_rows: z.coerce.number(), message: z.string().nullable() })),
});

export async function sweepCommand(sql: Sql): Promise<CommandResult> {
  const [{ run_quality_sweep }] = await sql`select warehouse.run_quality_sweep()`;
  const summary = sweepSummary.parse(run_quality_sweep);
  const lines = [
    `quality sweep: ${summary.tests} tests on all rows, ${summary.passed} pass, ${summary.skipped} skipped (guaranteed by a constraint), ` +
      `${summary.problems.length} with problems${summary.problems.length ? " (an alert is in warehouse.alert_outbox)" : ""}`,
  ];
  if (summary.problems.length) {
    lines.push(table(["test", "failing rows", "message"], summary.problems.map((p) => [p.test_name, String(p.failing_rows), p.message ?? ""])));
  }
  return { text: lines.join("\n"), exitCode: summary.failing_tests.length ? 1 : 0 };
}

const userRowCount = z.object({ table_name: z.string(), row_count: z.coerce.number() });
const forgetResult = z.object({ erasure_id: z.coerce.number(), rows_deleted: z.record(z.string(), z.coerce.number()) });
const layerOrder = ["raw", "staging", "marts"];
const byLayer = ([a]: [string, number], [b]: [string, number]) =>
  layerOrder.indexOf(a.split(".")[0]) - layerOrder.indexOf(b.split(".")[0]) || a.localeCompare(b);

export async function forgetCommand(sql: Sql, opts: { userId: string; yes: boolean }): Promise<CommandResult> {
  if (!opts.yes) {
    const counts: Array<[string, number]> = (await sql`select * from warehouse.user_row_counts(${opts.userId}::uuid)`)
      .map((r) => userRowCount.parse(r))
      .map((r) => [r.table_name, r.row_count]);
    counts.sort(byLayer);
    const total = counts.reduce((n, [, c]) => n + c, 0);
    return {
      text: [
        `forget would delete ${total} row${total === 1 ? "" : "s"} of this user from raw, staging and marts:`,
        table(["table", "rows"], counts.map(([t, n]) => [t, String(n)])),
        "and record the erasure (a salted hash of the id, no PII) in warehouse.erased_users, so extraction skips the user from then on.",
      ].join("\n"),
      exitCode: 1,
      note: "nothing was deleted: run it again with --yes to erase the user",
    };
  }
  const [{ forget_user }] = await sql`select warehouse.forget_user(${opts.userId}::uuid)`;
  const result = forgetResult.parse(forget_user);
  const counts = Object.entries(result.rows_deleted).sort(byLayer);
  const total = counts.reduce((n, [, c]) => n + c, 0);
  return {
    text: [
      `erased: erasure ${result.erasure_id} in warehouse.erased_users, ${total} row${total === 1 ? "" : "s"} deleted`,
      table(["table", "rows deleted"], counts.map(([t, n]) => [t, String(n)])),
    ].join("\n"),
    exitCode: 0,
  };
}

export async function docsCommand(sql: Sql, opts: { write: boolean }): Promise<CommandResult> {
  if (opts.write) return { text: await writeCatalog(sql), exitCode: 0 };
  return { text: renderCatalog(await readCatalog(sql)).trimEnd(), exitCode: 0 };
}

export function execute(sql: Sql, command: Command): Promise<CommandResult> {
  switch (command.name) {
    case "run": return runCommand(sql, command);
    case "backfill": return backfillCommand(sql, command);
    case "runs": return runsCommand(sql, command);
    case "tests": return testsCommand(sql, command);
    case "freshness": return freshnessCommand(sql);
    case "sweep": return sweepCommand(sql);
    case "forget": return forgetCommand(sql, command);
    case "docs": return docsCommand(sql, command);
  }
}
