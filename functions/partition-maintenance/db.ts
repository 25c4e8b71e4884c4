// The real MaintenanceDb: one reserved postgres.js connection (the warehouse lock is a session-level
// advisory lock, so every statement of a run goes through the session that holds it). Each statement
// is its own transaction; warehouse.drop_archived_partition locks, recounts, records and drops in one.
// Rows read back are checked with zod.
import type { ReservedSql, Sql } from "postgres";
import { z } from "zod";
import type { DropRequest, DuePartition, MaintenanceDb } from "./maintenance.ts";

const count = z.coerce.number().int().nonnegative();
const isoDate = z.iso.date();

const asOfRow = z.object({ as_of: isoDate, is_future: z.boolean() });
const lockRow = z.object({ locked: z.boolean() });
const createdRow = z.object({ parent_table: z.string(), partition_table: z.string() });
const dueRow = z.object({
  table_schema: z.string(),
  parent_table: z.string(),
  partition_name: z.string(),
  range_start: isoDate,
  range_end: isoDate,
  row_count: count,
});
const tableCountRow = z.object({ table_name: z.string(), row_count: count });
const archiveIdRow = z.object({ archive_id: z.coerce.number().int().positive() });

const one = <T>(schema: z.ZodType<T>, rows: readonly unknown[]): T => {
  if (rows.length !== 1) throw new Error(`expected one row from the database, got ${rows.length}`);
  return schema.parse(rows[0]);
};
const byTable = (rows: readonly unknown[]) =>
  Object.fromEntries(rows.map((r) => tableCountRow.parse(r)).map((r) => [r.table_name, r.row_count]));

/** A double-quoted SQL identifier (for the COPY statement, which takes no parameters). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function sessionDb(sql: Sql | ReservedSql): MaintenanceDb {
  return {
    async resolveAsOf(asOf) {
      const rows = await sql`
        select coalesce(${asOf ?? null}::date, current_date)::text as as_of,
               coalesce(${asOf ?? null}::date, current_date) > current_date as is_future`;
      const row = one(asOfRow, rows);
      return { asOf: row.as_of, isFuture: row.is_future };
    },
    async tryLock() {
      return one(lockRow, await sql`select pg_try_advisory_lock(warehouse.pipeline_lock_key()) as locked`).locked;
    },
    async unlock() {
      await sql`select pg_advisory_unlock(warehouse.pipeline_lock_key())`;
    },
    async ensurePartitions(asOf) {
      const rows = await sql`select parent_table, partition_table from warehouse.ensure_partitions(null, ${asOf}::date)`;
      return rows.map((r) => createdRow.parse(r)).map((r) => `${r.parent_table.split(".")[0]}.${r.partition_table}`);
    },
    async duePartitions(asOf): Promise<DuePartition[]> {
      const rows = await sql`
        select table_schema, parent_table, partition_name, range_start::text, range_end::text, row_count::text
        from warehouse.partitions_due_for_retention(${asOf}::date)`;
      return rows.map((r) => dueRow.parse(r));
    },
    async exportPartition(tableSchema, partitionName) {
      const copy = `copy (select * from ${quoteIdent(tableSchema)}.${quoteIdent(partitionName)}) to stdout with (format csv, header)`;
      return (await sql.unsafe(copy).readable()) as AsyncIterable<Uint8Array>;
    },
    async dropArchivedPartition(req: DropRequest) {
      const rows = await sql`
        select warehouse.drop_archived_partition(
            ${req.tableSchema}, ${req.partitionName}, ${req.rowCount}::bigint, ${req.checksumSha256}, ${req.location}
        )::text as archive_id`;
      return one(archiveIdRow, rows).archive_id;
    },
    async applyRowRetention(asOf) {
      return byTable(await sql`select table_name, rows_deleted::text as row_count from warehouse.apply_row_retention(${asOf}::date)`);
    },
    async rowsDueForRetention(asOf) {
      return byTable(await sql`select table_name, row_count::text from warehouse.rows_due_for_retention(${asOf}::date)`);
    },
  };
}

/** Runs `fn` on one reserved connection of the pool, released afterwards. */
export async function withSession<T>(sql: Sql, fn: (db: MaintenanceDb) => Promise<T>): Promise<T> {
  const reserved = await sql.reserve();
  try {
    return await fn(sessionDb(reserved));
  } finally {
    reserved.release();
  }
}
