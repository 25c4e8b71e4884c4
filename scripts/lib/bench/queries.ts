// The analysts' side: every seed query (sql/analyst/*.sql) and every view of schema marts (from the
// catalog, `select * from marts.<view>`), run as the Metabase login does: a member of analyst_role
// (row-level security applies), read-only, search_path marts, statement_timeout 60 s
// (scripts/metabase-login.ts). Each runs N times in its own transaction (`set local role`), and the
// median and 95th percentile of the query's own time are kept.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Sql } from "postgres";
import { ensureMetabaseLogin } from "../../metabase-login.ts";
import { projectRoot } from "../config.ts";
import { ident, percentiles } from "./measure.ts";

/** The login `npm run metabase:login` creates by default (METABASE_DB_USER). */
export const metabaseLogin = "metabase_reader";

export interface QueryTiming {
  name: string;
  kind: "seed" | "view";
  runs: number;
  rows: number;
  median_ms: number;
  p95_ms: number;
}

/** The seed queries (file name without .sql) and the views of marts, each with its SQL. */
export async function readQueries(sql: Sql): Promise<Array<{ name: string; kind: "seed" | "view"; text: string }>> {
  const dir = path.join(projectRoot, "sql", "analyst");
  const seeds = fs.readdirSync(dir).filter((f) => f.endsWith(".sql")).sort().map((f) => ({
    name: f.replace(/\.sql$/, ""),
    kind: "seed" as const,
    text: fs.readFileSync(path.join(dir, f), "utf8"),
  }));
  const views = await sql<{ relname: string }[]>`
    select c.relname from pg_class as c
    where c.relnamespace = 'marts'::regnamespace and c.relkind in ('v', 'm')
    order by c.relname`;
  return [...seeds, ...views.map((v) => ({ name: `marts.${v.relname}`, kind: "view" as const, text: `select * from marts.${ident(v.relname)}` }))];
}

export async function timeQueries(
  url: string,
  sql: Sql,
  runs: number,
  progress: (line: string) => void = () => {},
): Promise<QueryTiming[]> {
  // A login with a throwaway password: this cluster is deleted after the run.
  await ensureMetabaseLogin(url, metabaseLogin, crypto.randomBytes(18).toString("base64url"));
  const timings: QueryTiming[] = [];
  for (const q of await readQueries(sql)) {
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < runs; i++) {
      try {
        await sql.begin(async (tx) => {
          await tx.unsafe(`set local role ${ident(metabaseLogin)}`);
          await tx.unsafe("set local search_path = marts");
          await tx.unsafe("set local transaction_read_only = on");
          await tx.unsafe("set local statement_timeout = '60s'");
          const started = performance.now();
          const result = await tx.unsafe(q.text);
          times.push(performance.now() - started);
          rows = result.length;
        });
      } catch (err) {
        throw new Error(`query ${q.name} failed as ${metabaseLogin}: ${(err as Error).message}`);
      }
    }
    const { median, p95 } = percentiles(times);
    const timing = { name: q.name, kind: q.kind, runs, rows, median_ms: round(median), p95_ms: round(p95) };
    timings.push(timing);
    progress(`  ${q.name.padEnd(40)} median ${timing.median_ms.toFixed(1).padStart(8)} ms   p95 ${timing.p95_ms.toFixed(1).padStart(8)} ms`);
  }
  return timings;
}

const round = (ms: number) => Math.round(ms * 100) / 100;
