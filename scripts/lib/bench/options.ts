// The command line of `npm run bench`: parsed with node:util parseArgs (strict), then zod. A mistake is
// a UsageError (one sentence on stderr, exit 2); --help returns null.
import { parseArgs } from "node:util";
import { z } from "zod";
import { UsageError } from "../commands.ts";

export const usage = `usage: npm run bench -- [--users N] [--query-runs N] [--out FILE]

How fast the warehouse is at a scale, on throwaway clusters (never the local one): one year of
synthetic data as of the day before synth's default, then, with VACUUM (ANALYZE) and CHECKPOINT
(untimed) between phases:
  floor          every source table copied three times (create table as select *), no computation
  initial load   the pipeline's first run, step by step
  full refresh   staging and every mart rebuilt from the app's tables (sql/bench/full_refresh), as
                 dbt's table materialization would, and compared with the pipeline's marts
  day of change  a realistic, deterministic day in the app (sql/bench/day_of_change.sql), then the
                 pipeline's incremental run and the full refresh again, compared again
  two years      the same day on a second cluster with two years of history (at most 300,000 users)
  queries        every seed query (sql/analyst) and every view of marts as the Metabase login
Prints a table with the targets (pass/fail; speed is measured here, never asserted by a test) and
writes JSON. Exit 0 done; 1 a failure, or the pipeline's marts and the full refresh differ; 2 a
mistake in the command line.

options:
  --users N        users to synthesize (default 1000000; --users 10000 for a quick look)
  --query-runs N   runs of each query for its median and p95 (default 20)
  --out FILE       where the JSON goes (default bench/results/<date>-<users>.json)
  -h, --help       this text`;

export interface BenchOptions {
  users: number;
  queryRuns: number;
  out: string | null;
}

const wholeNumber = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9][0-9_,]*$/, `--${name} must be a whole number`)
    .transform((s) => Number(s.replace(/[_,]/g, "")))
    .pipe(z.number().min(min, `--${name} must be at least ${min.toLocaleString("en-US")}`).max(max, `--${name} must be at most ${max.toLocaleString("en-US")}`));

const schema = z.object({
  users: wholeNumber("users", 1_000, 10_000_000).default(1_000_000),
  queryRuns: wholeNumber("query-runs", 1, 1_000).default(20),
  out: z.string().min(1, "--out needs a file name").nullable().default(null),
});

/** The options, or null for --help. Throws UsageError with one sentence. */
export function parseBenchOptions(argv: string[]): BenchOptions | null {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        users: { type: "string" },
        "query-runs": { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }) as { values: Record<string, string | boolean | undefined>; positionals: string[] });
  } catch (err) {
    const e = err as Error & { code?: string };
    const quoted = /'([^']+)'/.exec(e.message)?.[1]?.split(" ")[0];
    if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new UsageError(`unknown option ${quoted ?? e.message} (see npm run bench -- --help)`);
    if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && quoted) {
      throw new UsageError(`${quoted} needs a value (see npm run bench -- --help)`);
    }
    throw new UsageError(`${e.message.split("\n")[0].replace(/\.$/, "")} (see npm run bench -- --help)`);
  }
  if (values.help) return null;
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}" (see npm run bench -- --help)`);
  const parsed = schema.safeParse({ users: values.users, queryRuns: values["query-runs"], out: values.out });
  if (!parsed.success) throw new UsageError(parsed.error.issues[0].message);
  return parsed.data;
}
