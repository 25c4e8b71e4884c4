// The warehouse at a glance, from the marts and the run log: what `npm start` and the CLI print.
import type { Sql } from "postgres";
import { analystQuery, asAnalyst } from "./analyst.ts";

export interface WarehouseSummary {
  run: { run_id: number; status: string; error: string | null; tests_run: number; tests_passed: number; tests_warned: number; tests_skipped: number };
  rowsPerLayer: Array<{ layer: string; rows: number }>;
  dau: Array<{ activity_date: string; dau: number }>;
  lifecycle: Array<{ lifecycle_stage: string; user_count: number; pct: number }>;
  authMethods: Array<{ preferred_auth_method: string; user_count: number }>;
}

export async function readSummary(sql: Sql, runId: number): Promise<WarehouseSummary> {
  const [run] = await sql`
    select r.run_id::int, r.status, r.error,
           (count(q.*) filter (where q.status <> 'skipped'))::int as tests_run,
           (count(q.*) filter (where q.status = 'pass'))::int as tests_passed,
           (count(q.*) filter (where q.status = 'warn'))::int as tests_warned,
           (count(q.*) filter (where q.status = 'skipped'))::int as tests_skipped
    from warehouse.pipeline_runs as r
    left join warehouse.quality_test_results as q on q.run_id = r.run_id
    where r.run_id = ${runId}
    group by r.run_id`;
  // Exact counts: the summary states facts (planner estimates are for alerts only).
  const tables = await sql`
    select table_schema, table_name from information_schema.tables
    where table_schema in ('raw', 'staging', 'marts') and table_type = 'BASE TABLE'
      and (table_schema, table_name) not in (select n.nspname, c.relname from pg_class as c join pg_namespace as n on n.oid = c.relnamespace where c.relispartition)`;
  const totals = new Map<string, number>();
  for (const t of tables) {
    const [{ n }] = await sql.unsafe(`select count(*)::bigint as n from "${t.table_schema}"."${t.table_name}"`);
    totals.set(t.table_schema, (totals.get(t.table_schema) ?? 0) + Number(n));
  }
  const num = <T extends Record<string, unknown>>(rows: T[]) =>
    rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString().slice(0, 10) : typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v])));
  return {
    run: run as WarehouseSummary["run"],
    rowsPerLayer: ["raw", "staging", "marts"].map((layer) => ({ layer, rows: totals.get(layer) ?? 0 })),
    dau: num(await asAnalyst(sql, analystQuery("daily_active_users"))) as WarehouseSummary["dau"],
    lifecycle: num(await asAnalyst(sql, analystQuery("lifecycle_distribution"))) as WarehouseSummary["lifecycle"],
    authMethods: num(await asAnalyst(sql, analystQuery("auth_method_adoption"))) as WarehouseSummary["authMethods"],
  };
}

export function formatSummary(s: WarehouseSummary): string {
  const pad = (v: unknown, n: number) => String(v).padEnd(n);
  const lines = [
    `Pipeline run ${s.run.run_id}: ${s.run.status}${s.run.error ? ` — ${s.run.error}` : ""}`,
    `Quality tests: ${s.run.tests_passed} of ${s.run.tests_run} passed${s.run.tests_warned ? `, ${s.run.tests_warned} warning(s)` : ""}` +
      (s.run.tests_skipped ? `; ${s.run.tests_skipped} skipped (a constraint guarantees them)` : ""),
    `Rows per layer: ${s.rowsPerLayer.map((l) => `${l.layer} ${l.rows.toLocaleString("en-US")}`).join(" · ")}`,
    "",
    "Daily active users, last 7 days (seed query):",
    ...s.dau.map((d) => `  ${d.activity_date}  ${d.dau}`),
    "",
    "Lifecycle distribution (seed query):",
    ...[...s.lifecycle].sort((a, b) => b.user_count - a.user_count).map((l) => `  ${pad(l.lifecycle_stage, 10)} ${pad(l.user_count, 7)} ${l.pct}%`),
    "",
    "Authentication method adoption (seed query):",
    ...s.authMethods.map((a) => `  ${pad(a.preferred_auth_method, 12)} ${a.user_count}`),
  ];
  return lines.join("\n");
}
