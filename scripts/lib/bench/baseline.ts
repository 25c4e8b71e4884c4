// The full-refresh baseline: staging and every mart rebuilt from scratch with `create table … as`, as
// dbt's `table` materialization rebuilds a model, one file per model in sql/bench/full_refresh (written
// from the models' definitions, never calling the pipeline's model objects), into scratch schema
// bench_full, in warehouse.model_order() order. Its marts are compared with the pipeline's by an
// ordered checksum of every non-metadata column, then its tables are dropped.
import fs from "node:fs";
import path from "node:path";
import type { Sql } from "postgres";
import { projectRoot } from "../config.ts";
import { ident, timed } from "./measure.ts";

export const baselineDir = path.join("sql", "bench", "full_refresh");

export interface Model {
  model_name: string;
  layer: "staging" | "marts";
  target_schema: string;
  target_table: string;
}

/** The models of the registry (warehouse.models) in the order the pipeline runs them: staging first. */
export async function readModels(sql: Sql): Promise<Model[]> {
  return await sql<Model[]>`
    select m.model_name, m.layer, m.target_schema, m.target_table
    from warehouse.model_order() as o
    join warehouse.models as m on m.model_name = o.model_name
    order by m.layer = 'marts', o.depth, o.model_name`;
}

const baselineFile = (model: string) => path.join(baselineDir, `${model}.sql`);

/** Fails with one sentence naming the file(s) to write when a model has no baseline file. */
export function checkBaselineFiles(models: Model[]): void {
  const missing = models.filter((m) => !fs.existsSync(path.join(projectRoot, baselineFile(m.model_name))));
  if (missing.length === 0) return;
  const names = missing.map((m) => m.model_name).join(", ");
  const files = missing.map((m) => baselineFile(m.model_name)).join(", ");
  throw new Error(
    `the full-refresh baseline has no SQL for model${missing.length > 1 ? "s" : ""} ${names}: write ${files} ` +
      `(one \`create table bench_full.<model> as …\` computed from the app's tables or the baseline's own tables)`,
  );
}

export interface MartAgreement {
  model: string;
  pipeline_rows: number;
  baseline_rows: number;
  pipeline_checksum: string;
  baseline_checksum: string;
  agree: boolean;
  /** When they differ: rows only one side holds (as multisets), and the least such row of each. */
  only_in_pipeline?: number;
  only_in_baseline?: number;
  example_pipeline?: string | null;
  example_baseline?: string | null;
}

export interface BaselineResult {
  seconds: number;
  rows: number;
  bytes: number;
  models: Array<{ model: string; layer: string; seconds: number; rows: number; bytes: number }>;
  /** Every mart of the registry against the pipeline's table of the same name. */
  marts: MartAgreement[];
  agree: boolean;
}

/** The non-metadata columns of a table (names not starting with "_"), in their order. */
async function dataColumns(sql: Sql, schema: string, table: string): Promise<string[]> {
  const rows = await sql<{ attname: string }[]>`
    select a.attname from pg_attribute as a
    where a.attrelid = ${`${ident(schema)}.${ident(table)}`}::regclass and a.attnum > 0 and not a.attisdropped
      and left(a.attname, 1) <> '_'
    order by a.attnum`;
  return rows.map((r) => r.attname);
}

async function checksum(sql: Sql, relation: string, columns: string[]): Promise<{ rows: number; checksum: string }> {
  const [r] = await sql`select row_count, checksum from bench.table_checksum(${relation}::regclass, ${columns}::text[])`;
  return { rows: Number(r.row_count), checksum: r.checksum };
}

/**
 * Builds every model's baseline into bench_full (timed per model, with its ANALYZE, as the pipeline
 * analyzes each model it refreshes), measures its bytes, compares each mart with the pipeline's
 * (untimed), and drops bench_full. `progress` hears of each model as it finishes.
 */
export async function runBaseline(
  sql: Sql,
  models: Model[],
  progress: (line: string) => void = () => {},
): Promise<BaselineResult> {
  checkBaselineFiles(models);
  await sql.unsafe("drop schema if exists bench_full cascade; create schema bench_full");
  try {
    const built: BaselineResult["models"] = [];
    for (const m of models) {
      const file = baselineFile(m.model_name);
      const text = fs.readFileSync(path.join(projectRoot, file), "utf8");
      let rows = 0;
      const { seconds } = await timed(async () => {
        try {
          const result = await sql.unsafe(text);
          rows = Array.isArray(result) && typeof result.count === "number" ? result.count : 0;
        } catch (err) {
          throw new Error(`${file} failed: ${(err as Error).message}`);
        }
        const [{ found }] = await sql`select to_regclass(${`bench_full.${ident(m.model_name)}`}) is not null as found`;
        if (!found) throw new Error(`${file} ran but did not create bench_full.${m.model_name}`);
        await sql.unsafe(`analyze bench_full.${ident(m.model_name)}`);
      });
      if (typeof rows !== "number" || rows === 0) {
        // (a file of several statements reports no single count: count the table, untimed)
        const [{ n }] = await sql.unsafe(`select count(*)::bigint as n from bench_full.${ident(m.model_name)}`);
        rows = Number(n);
      }
      const [{ bytes }] = await sql`select pg_total_relation_size(${`bench_full.${ident(m.model_name)}`}::regclass)::bigint as bytes`;
      built.push({ model: m.model_name, layer: m.layer, seconds, rows, bytes: Number(bytes) });
      progress(`  ${m.model_name.padEnd(34)} ${seconds.toFixed(2).padStart(8)} s ${rows.toLocaleString("en-US").padStart(12)} rows`);
    }

    const marts: MartAgreement[] = [];
    for (const m of models.filter((x) => x.layer === "marts")) {
      const pipelineTable = `${ident(m.target_schema)}.${ident(m.target_table)}`;
      const baselineTable = `bench_full.${ident(m.model_name)}`;
      const columns = await dataColumns(sql, m.target_schema, m.target_table);
      const baselineColumns = new Set(await dataColumns(sql, "bench_full", m.model_name));
      const missing = columns.filter((c) => !baselineColumns.has(c));
      if (missing.length > 0) {
        throw new Error(`${baselineFile(m.model_name)} lacks column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} of ${m.target_schema}.${m.target_table}`);
      }
      const p = await checksum(sql, pipelineTable, columns);
      const b = await checksum(sql, baselineTable, columns);
      const agreement: MartAgreement = {
        model: m.model_name,
        pipeline_rows: p.rows,
        baseline_rows: b.rows,
        pipeline_checksum: p.checksum,
        baseline_checksum: b.checksum,
        agree: p.rows === b.rows && p.checksum === b.checksum,
      };
      if (!agreement.agree) {
        const [d] = await sql`
          select only_in_a, only_in_b, example_a, example_b
          from bench.table_difference(${pipelineTable}::regclass, ${baselineTable}::regclass, ${columns}::text[])`;
        Object.assign(agreement, {
          only_in_pipeline: Number(d.only_in_a),
          only_in_baseline: Number(d.only_in_b),
          example_pipeline: d.example_a,
          example_baseline: d.example_b,
        });
      }
      marts.push(agreement);
    }
    return {
      seconds: built.reduce((n, x) => n + x.seconds, 0),
      rows: built.reduce((n, x) => n + x.rows, 0),
      bytes: built.reduce((n, x) => n + x.bytes, 0),
      models: built,
      marts,
      agree: marts.every((x) => x.agree),
    };
  } finally {
    await sql.unsafe("drop schema if exists bench_full cascade");
  }
}

/** One line per mart that differs, for the report and the error. */
export function describeDisagreement(marts: MartAgreement[]): string[] {
  return marts
    .filter((m) => !m.agree)
    .map((m) =>
      `${m.model}: pipeline ${m.pipeline_rows.toLocaleString("en-US")} rows, baseline ${m.baseline_rows.toLocaleString("en-US")}; ` +
      `${(m.only_in_pipeline ?? 0).toLocaleString("en-US")} only in the pipeline (e.g. ${m.example_pipeline ?? "-"}), ` +
      `${(m.only_in_baseline ?? 0).toLocaleString("en-US")} only in the baseline (e.g. ${m.example_baseline ?? "-"})`);
}
