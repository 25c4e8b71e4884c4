// npm run synth -- [--users N] [--seed S] [--as-of YYYY-MM-DD] [--years N] [--append]
//
// Fills the operational tables (public.users, public.sessions, public.auth_events) with a year (or
// --years 2: two years) of deterministic synthetic PetForce activity ending at --as-of 06:00 UTC:
// same options => same bytes (and --years 1, the default, the same bytes as before the option). The generation is set-based SQL (sql/synth/functions.sql, sql/synth/generate.sql) run in
// one transaction against DATABASE_URL (default: the local cluster). Without --append the three
// tables are emptied first; with it, the new users are numbered after the synthetic users there.
// Needs a superuser (the generation sets session_replication_role; see generate.sql).
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { z } from "zod";
import { runMain } from "./lib/cli.ts";
import { databaseUrl, loadEnv, projectRoot } from "./lib/config.ts";

const usage = `usage: npm run synth -- [--users N] [--seed S] [--as-of YYYY-MM-DD] [--years N] [--append]
  --users N         users to generate (default 10000); ~10 sessions and ~20 auth events each
  --seed S          seed of every pseudo-random choice (default 42)
  --as-of DATE      the last day of the generated year, UTC (default: the last day whose 06:00 UTC
                    has passed, so that nothing lies in the future); nothing is
                    later than 06:00 UTC that day
  --years N         years of history ending at --as-of, 1 or 2 (default 1): sign-ups spread over them
                    (3x more a year), so older users have longer histories
  --append          keep the rows already there (default: empty the three tables first)
  --allow-remote    allow emptying the tables of a database that is not on this machine (scratch only)`;

/** The default --as-of: today (UTC) once 06:00 UTC has passed, else yesterday, so no row lies in the future. */
export function defaultAsOf(now = new Date()): string {
  const sixOClock = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 6));
  const day = now >= sixOClock ? now : new Date(now.getTime() - 24 * 3600 * 1000);
  return day.toISOString().slice(0, 10);
}

const wholeNumber = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/, `--${name} must be a whole number`)
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, `--${name} must be at least ${min}`)
        .max(max, `--${name} must be at most ${max}`),
    );

const optionsSchema = z.object({
  users: wholeNumber("users", 1, 10_000_000).default(10_000),
  seed: wholeNumber("seed", 0, 2_147_483_647).default(42),
  years: wholeNumber("years", 1, 2).default(1),
  asOf: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "--as-of must be a date YYYY-MM-DD")
    .refine((s) => {
      const d = new Date(`${s}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
    }, "--as-of is not a valid calendar date")
    .refine((s) => s >= "2000-01-01" && s <= "2100-12-31", "--as-of must be between 2000-01-01 and 2100-12-31")
    .default(() => defaultAsOf()),
  append: z.boolean().default(false),
  allowRemote: z.boolean().default(false),
  help: z.boolean().default(false),
});

export type SynthOptions = Omit<z.infer<typeof optionsSchema>, "help">;

/** Parses argv; throws one-line errors for unknown options and bad values. Returns null for --help. */
export function parseOptions(argv: string[]): SynthOptions | null {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        users: { type: "string" },
        seed: { type: "string" },
        "as-of": { type: "string" },
        years: { type: "string" },
        append: { type: "boolean" },
        "allow-remote": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    // node's messages run on with advice (over several lines); keep the first sentence
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${message.split("\n")[0].split(". ")[0].replace(/\.$/, "")} (see --help)`);
  }
  const parsed = optionsSchema.safeParse({
    users: values.users,
    seed: values.seed,
    asOf: values["as-of"],
    years: values.years,
    append: values.append,
    allowRemote: values["allow-remote"],
    help: values.help,
  });
  if (!parsed.success) throw new Error(parsed.error.issues[0].message);
  if (parsed.data.help) return null;
  const { help: _help, ...options } = parsed.data;
  return options;
}

export interface SynthResult {
  users: number;
  sessions: number;
  authEvents: number;
  seconds: number;
}

function readSql(name: string): string {
  return fs.readFileSync(path.join(projectRoot, "sql", "synth", name), "utf8");
}

/** Generates the data in one transaction; returns how many rows of each table it inserted. */
export async function synth(url: string, options: SynthOptions): Promise<SynthResult> {
  const started = performance.now();
  const sql = postgres(url, {
    max: 1,
    onnotice: () => {},
    connection: { application_name: "petforce-synth" },
  });
  try {
    const counts = await sql.begin(async (tx) => {
      await tx`
        select
            set_config('synth.users', ${String(options.users)}, true),
            set_config('synth.seed', ${String(options.seed)}, true),
            set_config('synth.as_of', ${options.asOf}, true),
            set_config('synth.years', ${String(options.years)}, true)`;
      await tx.unsafe(readSql("functions.sql"));
      if (!options.append) await tx.unsafe("truncate public.auth_events, public.sessions, public.users cascade");
      await tx.unsafe(readSql("generate.sql"));
      // Further domains (pets, product usage): sql/synth/domain_*.sql, in name order, after the core.
      for (const file of fs.readdirSync(path.join(projectRoot, "sql", "synth")).filter((f) => /^domain_.*\.sql$/.test(f)).sort()) {
        await tx.unsafe(readSql(file));
      }
      // rows inserted by this transaction (exact; cheaper than counting the tables)
      const rows = await tx<{ relname: string; inserted: string }[]>`
        select relname, n_tup_ins::text as inserted
        from pg_stat_xact_user_tables
        where schemaname = 'public' and relname in ('users', 'sessions', 'auth_events')`;
      return Object.fromEntries(rows.map((r) => [r.relname, Number(r.inserted)]));
    });
    return {
      users: counts.users ?? 0,
      sessions: counts.sessions ?? 0,
      authEvents: counts.auth_events ?? 0,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await sql.end();
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runMain(async () => {
    const options = parseOptions(process.argv.slice(2));
    if (options === null) {
      console.log(usage);
      return;
    }
    const url = databaseUrl(loadEnv());
    // synth empties the app's tables: only on a loopback database unless the caller says otherwise.
    const host = new URL(url).hostname;
    if (!options.append && !options.allowRemote && !["127.0.0.1", "localhost", "[::1]", "::1"].includes(host)) {
      throw new Error(
        `refusing to empty public.users, sessions and auth_events on ${host}: synth replaces the app's data. ` +
          "Use --allow-remote only for a scratch database.",
      );
    }
    let result: SynthResult;
    try {
      result = await synth(url, options);
    } catch (err) {
      const e = err as { message?: string; code?: string };
      if (e.code === "ECONNREFUSED") {
        throw new Error(`cannot connect to ${redact(url)} (is the local cluster up? npm run -s local:up)`);
      }
      if (e.code === "42501" && e.message?.includes("session_replication_role")) {
        throw new Error(`${e.message} (synth needs a superuser connection, e.g. the local cluster)`);
      }
      throw err;
    }
    console.log(
      `synth: ${result.users} users, ${result.sessions} sessions, ${result.authEvents} auth events ` +
        `(seed ${options.seed}, as of ${options.asOf}${options.years > 1 ? `, ${options.years} years` : ""}${options.append ? ", appended" : ""}) in ${result.seconds.toFixed(1)}s`,
    );
  });
}
