// The floor: what moving the app's data through three layers costs with no computation at all. Every
// source table is copied with a plain `create table … as select *` into scratch schema bench_floor,
// three times (source → copy1 → copy2 → copy3, as raw → staging → marts), timed and measured, then
// the copies are dropped at once.
import type { Sql } from "postgres";
import { ident, type Source, timed } from "./measure.ts";

export interface FloorResult {
  seconds: number;
  /** Rows written: every source row, three times. */
  rows: number;
  /** Bytes of the three layers of copies (pg_total_relation_size). */
  bytes: number;
  layers: Array<{ layer: number; seconds: number; rows: number; bytes: number }>;
}

export async function runFloor(sql: Sql, sources: Source[]): Promise<FloorResult> {
  await sql.unsafe("drop schema if exists bench_floor cascade; create schema bench_floor");
  const layers: FloorResult["layers"] = [];
  try {
    for (const layer of [1, 2, 3]) {
      let rows = 0;
      const { seconds } = await timed(async () => {
        for (const s of sources) {
          const from = layer === 1 ? `${ident(s.schema)}.${ident(s.table)}` : `bench_floor.${ident(`${s.table}_${layer - 1}`)}`;
          const result = await sql.unsafe(`create table bench_floor.${ident(`${s.table}_${layer}`)} as select * from ${from}`);
          rows += result.count ?? 0;
        }
      });
      const [{ bytes }] = await sql.unsafe(
        `select coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint as bytes from pg_class as c
         where c.relnamespace = 'bench_floor'::regnamespace and c.relkind = 'r' and c.relname like '%\\_${layer}'`,
      );
      layers.push({ layer, seconds, rows, bytes: Number(bytes) });
    }
  } finally {
    await sql.unsafe("drop schema if exists bench_floor cascade");
  }
  return {
    seconds: layers.reduce((n, l) => n + l.seconds, 0),
    rows: layers.reduce((n, l) => n + l.rows, 0),
    bytes: layers.reduce((n, l) => n + l.bytes, 0),
    layers,
  };
}
