// One partition-maintenance run: partition upkeep, then archive → verify → drop for every raw partition
// past its retention, then row retention for staging and marts. Pure: the database session and the
// archive store come in as deps (db.ts and archive.ts hold the real ones), so the ordering rules are
// tested with fakes:
//   - a partition is dropped only after its archive was written, read back and verified, and only by
//     warehouse.drop_archived_partition (which recounts it under lock and refuses on a mismatch);
//   - a partition whose archive fails anywhere is listed in `failed` and kept; the run goes on.
import { archivePath, type ArchiveStore, csvFromCopy, gzip, sha256Hex, verify } from "./archive.ts";

export interface DuePartition {
  table_schema: string;
  parent_table: string;
  partition_name: string;
  range_start: string;
  range_end: string;
  row_count: number;
}

export interface DropRequest {
  tableSchema: string;
  partitionName: string;
  rowCount: number;
  checksumSha256: string;
  location: string;
}

/** The database side of a run, on one session (the advisory lock is a session lock). */
export interface MaintenanceDb {
  /** p_as_of as the database reads it (today when undefined), and whether it is after today. */
  resolveAsOf(asOf: string | undefined): Promise<{ asOf: string; isFuture: boolean }>;
  /** pg_try_advisory_lock on the pipeline's key: false when a pipeline or maintenance run holds it. */
  tryLock(): Promise<boolean>;
  unlock(): Promise<void>;
  /** warehouse.ensure_partitions(null, as_of): the partitions created. */
  ensurePartitions(asOf: string): Promise<string[]>;
  /** warehouse.partitions_due_for_retention(as_of). */
  duePartitions(asOf: string): Promise<DuePartition[]>;
  /** `copy (select * from <schema>.<partition>) to stdout with (format csv, header)`, as chunks. */
  exportPartition(tableSchema: string, partitionName: string): Promise<AsyncIterable<Uint8Array> | Iterable<Uint8Array>>;
  /** warehouse.drop_archived_partition(...): the archive_id. */
  dropArchivedPartition(req: DropRequest): Promise<number>;
  /** warehouse.apply_row_retention(as_of): rows deleted per schema-qualified table. */
  applyRowRetention(asOf: string): Promise<Record<string, number>>;
  /** warehouse.rows_due_for_retention(as_of): what apply_row_retention would delete. */
  rowsDueForRetention(asOf: string): Promise<Record<string, number>>;
}

export interface MaintenanceDeps {
  db: MaintenanceDb;
  store: ArchiveStore;
}

export interface MaintenanceOptions {
  /** YYYY-MM-DD; default: the database's current_date. */
  asOf?: string;
  /** List what is due and count what would be deleted; create, write, drop and delete nothing. */
  dryRun?: boolean;
}

export interface ArchivedPartition {
  partition: string;
  range_start: string;
  range_end: string;
  rows: number;
  checksum_sha256: string;
  location: string;
  archive_id: number;
}

export interface MaintenanceSummary {
  status: "completed" | "dry_run" | "skipped";
  as_of: string;
  partitions_created: number;
  /** Partitions past retention when the run looked (schema.partition). */
  due: string[];
  archived: ArchivedPartition[];
  failed: { partition: string; error: string }[];
  /** Rows deleted per table; in a dry run, the rows that would be deleted. */
  rows_deleted: Record<string, number>;
  message?: string;
}

export class FutureAsOfError extends Error {
  constructor(asOf: string) {
    super(`as_of ${asOf} is after today: retention never runs as of a future date (a dry run may)`);
    this.name = "FutureAsOfError";
  }
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Archives one partition, verifies the stored object, then asks the database to drop it. */
async function archiveAndDrop(deps: MaintenanceDeps, p: DuePartition): Promise<ArchivedPartition> {
  const path = archivePath(p.table_schema, p.parent_table, p.partition_name);
  const { csv, rows } = await csvFromCopy(await deps.db.exportPartition(p.table_schema, p.partition_name));
  const checksum = await sha256Hex(csv);
  await deps.store.put(path, await gzip(csv));
  // Read the object back: what is dropped is what the store holds, not what we meant to write.
  const verified = await verify(deps.store, path, rows, checksum);
  const location = deps.store.location(path);
  const archiveId = await deps.db.dropArchivedPartition({
    tableSchema: p.table_schema,
    partitionName: p.partition_name,
    rowCount: verified.rows,
    checksumSha256: verified.checksum_sha256,
    location,
  });
  return {
    partition: `${p.table_schema}.${p.partition_name}`,
    range_start: p.range_start,
    range_end: p.range_end,
    rows: verified.rows,
    checksum_sha256: verified.checksum_sha256,
    location,
    archive_id: archiveId,
  };
}

export async function runMaintenance(deps: MaintenanceDeps, opts: MaintenanceOptions = {}): Promise<MaintenanceSummary> {
  const { db } = deps;
  const { asOf, isFuture } = await db.resolveAsOf(opts.asOf);
  if (isFuture && !opts.dryRun) throw new FutureAsOfError(asOf);
  const summary: MaintenanceSummary = {
    status: opts.dryRun ? "dry_run" : "completed",
    as_of: asOf,
    partitions_created: 0,
    due: [],
    archived: [],
    failed: [],
    rows_deleted: {},
  };

  if (!(await db.tryLock())) {
    return {
      ...summary,
      status: "skipped",
      message: "a pipeline run or another partition-maintenance run holds the warehouse lock: nothing was done",
    };
  }
  try {
    if (opts.dryRun) {
      summary.due = (await db.duePartitions(asOf)).map((p) => `${p.table_schema}.${p.partition_name}`);
      summary.rows_deleted = await db.rowsDueForRetention(asOf);
      return summary;
    }

    // 1. Upkeep first: it also moves rows out of DEFAULT into their month, which may then be due.
    summary.partitions_created = (await db.ensurePartitions(asOf)).length;

    // 2. Archive, verify, drop, one partition at a time; a failure keeps that partition.
    const due = await db.duePartitions(asOf);
    summary.due = due.map((p) => `${p.table_schema}.${p.partition_name}`);
    for (const partition of due) {
      try {
        summary.archived.push(await archiveAndDrop(deps, partition));
      } catch (err) {
        summary.failed.push({ partition: `${partition.table_schema}.${partition.partition_name}`, error: describe(err) });
      }
    }

    // 3. Row retention for staging and marts.
    summary.rows_deleted = await db.applyRowRetention(asOf);
    return summary;
  } finally {
    await db.unlock();
  }
}
