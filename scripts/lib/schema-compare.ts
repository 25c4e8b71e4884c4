// Comparing two databases the way db:check and db:migration need: the catalog as pg_dump prints it
// (split into objects by pg_dump's own "-- Name: …; Type: …; Schema: …" headers), the contents of the
// registry tables (every table in schema warehouse, and cron.job), and the roles (cluster-wide, so
// pg_dump leaves them out). The pure parts (normalising and splitting a dump, the line diff, comparing
// captures) take plain values so that tests/unit can exercise them without a database.
import { spawn } from "node:child_process";
import path from "node:path";
import postgres from "postgres";
import { loadEnv } from "./config.ts";

/** Schemas never compared: the CLI's migration bookkeeping. */
export const excludedSchemas = ["supabase_migrations"];

// ---------------------------------------------------------------------------------------------
// pg_dump: normalise, split into objects
// ---------------------------------------------------------------------------------------------

export interface DumpObject {
  /** Unique within a dump: "<TYPE>|<schema>|<name>". */
  key: string;
  type: string;
  schema: string | null;
  name: string;
  /** How a person reads it, e.g. "function warehouse.has_vault()", "comment on column raw.users.id". */
  label: string;
  /** The object's SQL, normalised: no SET noise, no blank-line runs, trimmed. */
  body: string;
}

const headerRe = /^-- (?:Data for )?Name: (.*); Type: (.*?); Schema: (.*?); Owner: [^;]*(?:; Tablespace: .*)?$/;

/** Lines of a dump that say nothing about the schema: session settings, banners, \restrict keys. */
function isNoise(line: string): boolean {
  return (
    /^\\(un)?restrict\b/.test(line) ||
    /^SET [a-z_.]+ = .*;$/.test(line) ||
    /^SELECT pg_catalog\.set_config\('search_path', '', false\);$/.test(line) ||
    /^-- Dumped (from|by) /.test(line) ||
    /^-- (PostgreSQL database dump|PostgreSQL database dump complete)$/.test(line) ||
    line === "--"
  );
}

/** Types whose pg_dump name is "<table> <object>". */
const onTableTypes = new Set(["CONSTRAINT", "FK CONSTRAINT", "TRIGGER", "POLICY", "RULE", "DEFAULT"]);

export function objectLabel(type: string, schema: string | null, name: string): string {
  const q = (n: string) => (schema ? `${schema}.${n}` : n);
  if (type === "COMMENT" || type === "ACL") {
    const m = /^([A-Z ]+?) (.+)$/.exec(name);
    const what = type === "COMMENT" ? "comment on" : "privileges on";
    if (!m) return `${what} ${q(name)}`;
    const kind = m[1].toLowerCase();
    // "SCHEMA raw" / "EXTENSION pg_cron" name objects that are not inside a schema
    if (kind === "schema" || kind === "extension" || kind === "language") return `${what} ${kind} ${m[2]}`;
    return `${what} ${kind} ${q(m[2])}`;
  }
  if (type === "DEFAULT ACL") return `default privileges ${name.replace(/^DEFAULT PRIVILEGES /, "").toLowerCase()}${schema ? ` in schema ${schema}` : ""}`;
  if (onTableTypes.has(type)) {
    const sp = name.indexOf(" ");
    if (sp > 0) {
      const table = name.slice(0, sp);
      const obj = name.slice(sp + 1);
      if (type === "DEFAULT") return `default of column ${q(table)}.${obj}`;
      return `${type.toLowerCase()} ${obj} on ${q(table)}`;
    }
  }
  if (type === "SCHEMA" || type === "EXTENSION") return `${type.toLowerCase()} ${name}`;
  if (type === "TABLE ATTACH") return `partition ${q(name)} (attach)`;
  return `${type.toLowerCase()} ${q(name)}`;
}

/** Splits a pg_dump --schema-only text into its objects, keyed by (type, schema, name). */
export function splitDump(dump: string): Map<string, DumpObject> {
  const objects = new Map<string, DumpObject>();
  let current: { type: string; schema: string | null; name: string; lines: string[] } | null = null;
  const flush = () => {
    if (!current) return;
    const body = current.lines.join("\n").replace(/\n{3,}/g, "\n\n").trim();
    let key = `${current.type}|${current.schema ?? ""}|${current.name}`;
    for (let n = 2; objects.has(key); n++) key = `${current.type}|${current.schema ?? ""}|${current.name}#${n}`;
    objects.set(key, {
      key,
      type: current.type,
      schema: current.schema,
      name: current.name,
      label: objectLabel(current.type, current.schema, current.name),
      body,
    });
  };
  for (const line of dump.split(/\r?\n/)) {
    const m = headerRe.exec(line);
    if (m) {
      flush();
      current = { name: m[1], type: m[2], schema: m[3] === "-" ? null : m[3], lines: [] };
      continue;
    }
    if (!current) continue; // the preamble: settings only
    if (isNoise(line)) continue;
    current.lines.push(line);
  }
  flush();
  return objects;
}

// ---------------------------------------------------------------------------------------------
// A small line diff (LCS), printed unified-style
// ---------------------------------------------------------------------------------------------

type Op = { kind: " " | "-" | "+"; line: string; a: number; b: number };

function diffOps(a: string[], b: string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const ops: Op[] = [];
  for (let i = 0; i < start; i++) ops.push({ kind: " ", line: a[i], a: i, b: i });
  const ma = a.slice(start, endA);
  const mb = b.slice(start, endB);
  const n = ma.length;
  const m = mb.length;
  if (n * m > 4_000_000) {
    // too big for the table: everything in between is replaced
    ma.forEach((line, i) => ops.push({ kind: "-", line, a: start + i, b: start }));
    mb.forEach((line, j) => ops.push({ kind: "+", line, a: endA, b: start + j }));
  } else {
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * width + j] = ma[i] === mb[j] ? lcs[(i + 1) * width + j + 1] + 1 : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && ma[i] === mb[j]) {
        ops.push({ kind: " ", line: ma[i], a: start + i, b: start + j });
        i++;
        j++;
      } else if (i < n && (j === m || lcs[(i + 1) * width + j] >= lcs[i * width + j + 1])) {
        ops.push({ kind: "-", line: ma[i], a: start + i, b: start + j });
        i++;
      } else {
        ops.push({ kind: "+", line: mb[j], a: start + i, b: start + j });
        j++;
      }
    }
  }
  for (let k = 0; k < a.length - endA; k++) ops.push({ kind: " ", line: a[endA + k], a: endA + k, b: endB + k });
  return ops;
}

/**
 * A unified-style diff of two texts ("-" lines from `a`, "+" lines from `b`), `context` lines around
 * each change, at most `maxLines` lines (then "… N more lines"). Empty when they are equal.
 */
export function lineDiff(a: string, b: string, opts: { context?: number; maxLines?: number } = {}): string[] {
  const context = opts.context ?? 2;
  const maxLines = opts.maxLines ?? 40;
  const ops = diffOps(a.split("\n"), b.split("\n"));
  const changed = ops.map((o) => o.kind !== " ");
  if (!changed.includes(true)) return [];
  const keep = ops.map((_, i) => {
    for (let k = Math.max(0, i - context); k <= Math.min(ops.length - 1, i + context); k++) if (changed[k]) return true;
    return false;
  });
  const out: string[] = [];
  let i = 0;
  while (i < ops.length) {
    if (!keep[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < ops.length && keep[j]) j++;
    const hunk = ops.slice(i, j);
    const aLen = hunk.filter((o) => o.kind !== "+").length;
    const bLen = hunk.filter((o) => o.kind !== "-").length;
    out.push(`@@ -${hunk[0].a + 1},${aLen} +${hunk[0].b + 1},${bLen} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.line}`);
    i = j;
  }
  if (out.length > maxLines) return [...out.slice(0, maxLines), `… ${out.length - maxLines} more lines`];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Differences
// ---------------------------------------------------------------------------------------------

export interface Difference {
  /** What differs, e.g. "function warehouse.has_vault()" or "rows of warehouse.quality_tests". */
  object: string;
  /** "differs", "only in the tree", "only in the migrations", "differ". */
  summary: string;
  details: string[];
}

export interface SideNames {
  a: string;
  b: string;
}

export const defaultSides: SideNames = { a: "the migrations", b: "the tree" };

/** The objects that differ between two split dumps (`a` the migrations, `b` the tree). */
export function compareDumpObjects(a: Map<string, DumpObject>, b: Map<string, DumpObject>, sides: SideNames = defaultSides): Difference[] {
  const out: Difference[] = [];
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  for (const key of keys) {
    const x = a.get(key);
    const y = b.get(key);
    if (x && y) {
      if (x.body === y.body) continue;
      const details = lineDiff(x.body, y.body);
      const sortedX = x.body.split("\n").map((l) => l.replace(/,$/, "")).sort().join("\n");
      const sortedY = y.body.split("\n").map((l) => l.replace(/,$/, "")).sort().join("\n");
      if (sortedX === sortedY && x.type === "TABLE") {
        details.unshift("(the same columns in another order: a column that a migration adds goes last; declare it last in the tree)");
      }
      out.push({ object: x.label, summary: "differs", details });
    } else if (x) {
      out.push({ object: x.label, summary: `only in ${sides.a}`, details: x.body.split("\n").slice(0, 12).map((l) => `-${l}`) });
    } else if (y) {
      out.push({ object: y.label, summary: `only in ${sides.b}`, details: y.body.split("\n").slice(0, 12).map((l) => `+${l}`) });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Registry tables and roles: rows as text
// ---------------------------------------------------------------------------------------------

export type Row = Record<string, string | null>;

export interface RegistryColumn {
  name: string;
  type: string;
  /** Generated columns are compared but never written. */
  generated: boolean;
  /** 'a' (always) identity columns need OVERRIDING SYSTEM VALUE to be written. */
  identity: string;
}

export interface RegistryTable {
  /** Qualified, e.g. warehouse.quality_tests, cron.job, or "roles". */
  name: string;
  columns: RegistryColumn[];
  /** Columns whose values come from a volatile default (now(), gen_random_uuid(), …): not compared. */
  ignored: string[];
  /** The columns that identify a row: the primary key, else every compared column. */
  key: string[];
  rows: Row[];
}

export type Registry = Map<string, RegistryTable>;

/** A default that differs each time it is evaluated: a column filled by it cannot be compared. */
export function isVolatileDefault(expr: string | null): boolean {
  if (!expr) return false;
  return /\b(now|clock_timestamp|statement_timestamp|transaction_timestamp|timeofday|random|gen_random_uuid|uuid_generate_v\d\w*)\s*\(|\b(current_timestamp|current_date|current_time|localtimestamp|localtime)\b/i.test(expr);
}

function rowKey(row: Row, key: string[]): string {
  return JSON.stringify(key.map((k) => row[k] ?? null));
}

export function describeKey(row: Row, key: string[]): string {
  const parts = key.map((k) => `${k}=${row[k] === null || row[k] === undefined ? "null" : row[k]}`);
  return parts.length === 1 ? parts[0] : `(${parts.join(", ")})`;
}

function show(v: string | null | undefined): string {
  if (v === null || v === undefined) return "null";
  const s = v.length > 80 ? `${v.slice(0, 77)}…` : v;
  return `'${s.replace(/\n/g, "\\n")}'`;
}

export interface RowChange {
  kind: "only-a" | "only-b" | "changed";
  key: Row;
  a?: Row;
  b?: Row;
  /** For "changed": the compared columns whose values differ. */
  columns?: string[];
}

/** The columns compared between two captures of one table: those both have, less the ignored ones. */
export function comparedColumns(a: RegistryTable, b: RegistryTable): string[] {
  const ignored = new Set([...a.ignored, ...b.ignored]);
  const inB = new Set(b.columns.map((c) => c.name));
  return a.columns.map((c) => c.name).filter((c) => inB.has(c) && !ignored.has(c));
}

/** Row by row, what differs between two captures of one table (keyed by b's key when both have it). */
export function diffRows(a: RegistryTable, b: RegistryTable): RowChange[] {
  const cols = comparedColumns(a, b);
  const colSet = new Set(cols);
  const key = b.key.every((k) => colSet.has(k)) && b.key.length ? b.key : cols;
  const group = (rows: Row[]) => {
    const m = new Map<string, Row[]>();
    for (const r of rows) {
      const k = rowKey(r, key);
      m.set(k, [...(m.get(k) ?? []), r]);
    }
    return m;
  };
  const ga = group(a.rows);
  const gb = group(b.rows);
  const changes: RowChange[] = [];
  const keyOf = (r: Row): Row => Object.fromEntries(key.map((k) => [k, r[k] ?? null]));
  for (const k of [...new Set([...ga.keys(), ...gb.keys()])].sort()) {
    const ra = ga.get(k) ?? [];
    const rb = gb.get(k) ?? [];
    const n = Math.max(ra.length, rb.length);
    for (let i = 0; i < n; i++) {
      const x = ra[i];
      const y = rb[i];
      if (x && y) {
        const differing = cols.filter((c) => (x[c] ?? null) !== (y[c] ?? null));
        if (differing.length) changes.push({ kind: "changed", key: keyOf(y), a: x, b: y, columns: differing });
      } else if (x) {
        changes.push({ kind: "only-a", key: keyOf(x), a: x });
      } else if (y) {
        changes.push({ kind: "only-b", key: keyOf(y), b: y });
      }
    }
  }
  return changes;
}

/** The registry tables (and roles) whose contents differ. */
export function compareRegistries(a: Registry, b: Registry, sides: SideNames = defaultSides, maxPerTable = 20): Difference[] {
  const out: Difference[] = [];
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(name);
    const y = b.get(name);
    const what = name === "roles" ? "roles" : `rows of ${name}`;
    if (!x || !y) {
      const only = (x ?? y)!;
      if (only.rows.length === 0) continue; // an empty table on one side only: the catalog diff names it
      out.push({ object: what, summary: "differ", details: [`the table is only in ${x ? sides.a : sides.b} (${only.rows.length} rows)`] });
      continue;
    }
    const changes = diffRows(x, y);
    if (!changes.length) continue;
    const details = changes.slice(0, maxPerTable).map((c) => {
      const key = describeKey(c.key, Object.keys(c.key));
      if (c.kind === "only-a") return `${key} only in ${sides.a}`;
      if (c.kind === "only-b") return `${key} only in ${sides.b}`;
      return `${key}: ${c.columns!.map((col) => `${col} ${show(c.a![col])} in ${sides.a}, ${show(c.b![col])} in ${sides.b}`).join("; ")}`;
    });
    if (changes.length > maxPerTable) details.push(`… and ${changes.length - maxPerTable} more rows`);
    out.push({ object: what, summary: "differ", details });
  }
  return out;
}

export function formatDifferences(diffs: Difference[]): string {
  return diffs
    .map((d) => [`${d.object} ${d.summary}${d.details.length ? ":" : ""}`, ...d.details.map((l) => `    ${l}`)].join("\n"))
    .join("\n");
}

// ---------------------------------------------------------------------------------------------
// Capturing a database
// ---------------------------------------------------------------------------------------------

export type Sql = postgres.Sql;

export function connect(url: string): Sql {
  return postgres(url, { max: 1, onnotice: () => {}, connection: { search_path: "" } });
}

/** pg_dump --schema-only --no-owner, without blocking the event loop. */
export function pgDump(url: string): Promise<string> {
  const bin = path.join(loadEnv().PG_BIN_DIR, "pg_dump");
  const args = ["--schema-only", "--no-owner", ...excludedSchemas.map((s) => `--exclude-schema=${s}`), "-d", url];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(Buffer.concat(out).toString("utf8")) : reject(new Error(`pg_dump failed: ${err}`))));
  });
}

function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** Every table of schema warehouse (partitions through their parent), with its rows as text. */
async function warehouseTables(sql: Sql): Promise<RegistryTable[]> {
  const tables = await sql.unsafe<{ oid: number; name: string }[]>(`
    select c.oid::int as oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) as name
    from pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
    where n.nspname = 'warehouse' and c.relkind in ('r', 'p') and not c.relispartition
    order by c.relname`);
  const out: RegistryTable[] = [];
  for (const t of tables) {
    const cols = await sql.unsafe<{ name: string; type: string; generated: string; identity: string; def: string | null }[]>(`
      select a.attname as name, pg_catalog.format_type(a.atttypid, a.atttypmod) as type, a.attgenerated::text as generated,
             a.attidentity::text as identity, pg_catalog.pg_get_expr(d.adbin, d.adrelid) as def
      from pg_catalog.pg_attribute as a
      left join pg_catalog.pg_attrdef as d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where a.attrelid = ${t.oid} and a.attnum > 0 and not a.attisdropped
      order by a.attnum`);
    const pk = await sql.unsafe<{ name: string }[]>(`
      select a.attname as name
      from pg_catalog.pg_index as i
      cross join lateral unnest(i.indkey) with ordinality as k (attnum, ord)
      join pg_catalog.pg_attribute as a on a.attrelid = i.indrelid and a.attnum = k.attnum
      where i.indrelid = ${t.oid} and i.indisprimary
      order by k.ord`);
    const ignored = cols.filter((c) => isVolatileDefault(c.def)).map((c) => c.name);
    const compared = cols.map((c) => c.name).filter((c) => !ignored.includes(c));
    const pkCols = pk.map((p) => p.name);
    const key = pkCols.length && pkCols.every((k) => compared.includes(k)) ? pkCols : compared;
    // jsonb_build_object takes at most 100 arguments: 40 columns per call, concatenated
    const pairs = cols.map((c) => `${pgLiteral(c.name)}, t.${quoteIdent(c.name)}::text`);
    const chunks: string[] = [];
    for (let i = 0; i < pairs.length; i += 40) chunks.push(`jsonb_build_object(${pairs.slice(i, i + 40).join(", ")})`);
    const select = chunks.join(" || ");
    const order = key.length ? key.map((k) => `t.${quoteIdent(k)}`).join(", ") : "1";
    const rows = cols.length
      ? await sql.unsafe<{ r: Row }[]>(`select ${select} as r from ${t.name} as t order by ${order}`)
      : [];
    out.push({
      name: t.name,
      columns: cols.map((c) => ({ name: c.name, type: c.type, generated: c.generated !== "", identity: c.identity })),
      ignored,
      key,
      rows: rows.map((r) => r.r),
    });
  }
  return out;
}

/** cron.job by job name: what the SQL scheduled (the job ids are the cluster's own). */
async function cronJobs(sql: Sql): Promise<RegistryTable | null> {
  const [has] = await sql.unsafe<{ ok: boolean }[]>(`select pg_catalog.to_regclass('cron.job') is not null as ok`);
  if (!has.ok) return null;
  const rows = await sql.unsafe<Row[]>(`
    select coalesce(jobname, '(unnamed) ' || command) as jobname, schedule, command, active::text as active
    from cron.job order by 1`);
  const col = (name: string, type = "text"): RegistryColumn => ({ name, type, generated: false, identity: "" });
  return { name: "cron.job", columns: [col("jobname"), col("schedule"), col("command"), col("active", "boolean")], ignored: [], key: ["jobname"], rows: [...rows] };
}

/** The roles other than PostgreSQL's own: attributes, settings, memberships, comment. */
async function roles(sql: Sql): Promise<RegistryTable> {
  const rows = await sql.unsafe<Row[]>(`
    select r.rolname,
           r.rolsuper::text as superuser, r.rolinherit::text as inherit, r.rolcreaterole::text as createrole,
           r.rolcreatedb::text as createdb, r.rolcanlogin::text as login, r.rolreplication::text as replication,
           r.rolbypassrls::text as bypassrls, r.rolconnlimit::text as connection_limit,
           (select string_agg(cfg, E'\\n' order by cfg) from pg_catalog.pg_db_role_setting as s, unnest(s.setconfig) as cfg
             where s.setrole = r.oid and s.setdatabase in (0, (select oid from pg_catalog.pg_database where datname = current_database()))) as settings,
           (select string_agg(g.rolname || case when m.admin_option then ' (admin)' else '' end, ', ' order by g.rolname)
              from pg_catalog.pg_auth_members as m join pg_catalog.pg_roles as g on g.oid = m.roleid where m.member = r.oid) as member_of,
           pg_catalog.shobj_description(r.oid, 'pg_authid') as comment
    from pg_catalog.pg_roles as r
    where r.rolname !~ '^pg_'
    order by r.rolname`);
  const names = ["rolname", "superuser", "inherit", "createrole", "createdb", "login", "replication", "bypassrls", "connection_limit", "settings", "member_of", "comment"];
  return { name: "roles", columns: names.map((name) => ({ name, type: "text", generated: false, identity: "" })), ignored: [], key: ["rolname"], rows: [...rows] };
}

export async function captureRegistry(sql: Sql): Promise<Registry> {
  const reg: Registry = new Map();
  const cron = await cronJobs(sql);
  if (cron) reg.set(cron.name, cron);
  for (const t of await warehouseTables(sql)) reg.set(t.name, t);
  const r = await roles(sql);
  reg.set(r.name, r);
  return reg;
}

/** How many pg_cron job runs the cluster has logged (a job that fired during a check spoils it). */
export async function cronRuns(sql: Sql): Promise<number> {
  const [has] = await sql.unsafe<{ ok: boolean }[]>(`select pg_catalog.to_regclass('cron.job_run_details') is not null as ok`);
  if (!has.ok) return 0;
  const [row] = await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from cron.job_run_details`);
  return row.n;
}

export interface Capture {
  dump: string;
  objects: Map<string, DumpObject>;
  registry: Registry;
}

/** The catalog and registry of a database. */
export async function capture(url: string): Promise<Capture> {
  const sql = connect(url);
  try {
    const registry = await captureRegistry(sql);
    const dump = await pgDump(url);
    return { dump, objects: splitDump(dump), registry };
  } finally {
    await sql.end();
  }
}

/** Every difference between two captures (`a` the migrations, `b` the tree). */
export function compareCaptures(a: Capture, b: Capture, sides: SideNames = defaultSides): Difference[] {
  return [...compareDumpObjects(a.objects, b.objects, sides), ...compareRegistries(a.registry, b.registry, sides)];
}

/** A SQL literal: null, a bare number or boolean where that reads the same, else a quoted string. */
export function pgLiteral(value: string | null, type = "text"): string {
  if (value === null) return "null";
  const quoted = `'${value.replace(/'/g, "''")}'`;
  if (/^(smallint|integer|bigint|numeric|real|double precision)\b/.test(type) && /^-?\d+(\.\d+)?$/.test(value)) return value;
  if (type === "boolean") return value === "true" ? "true" : value === "false" ? "false" : `${quoted}::boolean`;
  if (type === "text" || type.startsWith("character varying") || type === "name") return quoted;
  return `${quoted}::${type}`;
}
