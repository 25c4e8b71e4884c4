// The statements that turn one database (the migrations' cluster) into another (the tree's), for
// db:migration. The DDL comes from @pgkit/migra (a TypeScript port of migra); what migra leaves out
// is filled in here: comments (migra ignores them), privileges (migra's only cover tables, not views,
// functions, schemas, sequences or default privileges), roles (cluster-wide), and the rows of the
// registry tables and cron.job (data, not schema). Each part is computed against the migrations'
// cluster as the parts before it left it, so db:migration applies them one after the other.
import { createClient } from "@pgkit/client";
import { run as migra } from "@pgkit/migra";
import {
  connect,
  diffRows,
  excludedSchemas,
  pgLiteral,
  type Registry,
  type RegistryTable,
  type Row,
  type Sql,
} from "./schema-compare.ts";
import type { TreeDefinition } from "./schema-tree.ts";

const systemSchemas = ["pg_catalog", "information_schema", "pg_toast", ...excludedSchemas];
const systemList = systemSchemas.map((s) => `'${s}'`).join(", ");

function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

function lit(value: string | null): string {
  return pgLiteral(value);
}

// ---------------------------------------------------------------------------------------------
// DDL: migra
// ---------------------------------------------------------------------------------------------

const addColumnRe = /^alter table "((?:[^"]|"")+)"\."((?:[^"]|"")+)" add column "((?:[^"]|"")+)"/;

/**
 * migra adds a table's new columns in name order; a column added by ALTER TABLE goes last, so that
 * order is the tree's only if the tree declares them in name order. Puts migra's ADD COLUMN statements
 * (in the slots they had) in the order of the columns' positions in the tree (`position`).
 */
export function orderAddedColumns(statements: string[], position: (schema: string, table: string, column: string) => number | undefined): string[] {
  const slots: number[] = [];
  const adds: Array<{ sql: string; table: string; pos: number; idx: number }> = [];
  statements.forEach((sql, idx) => {
    const m = addColumnRe.exec(sql.trim());
    if (!m) return;
    const [schema, table, column] = [m[1], m[2], m[3]].map((x) => x.replace(/""/g, '"'));
    slots.push(idx);
    adds.push({ sql, table: `${schema}.${table}`, pos: position(schema, table, column) ?? Number.MAX_SAFE_INTEGER, idx });
  });
  const sorted = [...adds].sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : a.pos - b.pos || a.idx - b.idx));
  const out = [...statements];
  slots.forEach((slot, i) => (out[slot] = sorted[i].sql));
  return out;
}

/**
 * A NOT NULL column added without a default fails on a table that has rows (a registry table whose
 * rows the tree fills); so would validating a new CHECK or foreign key before those rows are right.
 * For a table in `hasRows` ("schema.table"), such a column is added nullable and its NOT NULL set
 * later, and migra's VALIDATE CONSTRAINT moves there too: `deferred`, run after the registry rows.
 */
export function deferNotNull(statements: string[], hasRows: Set<string>): { statements: string[]; deferred: string[] } {
  const deferred: string[] = [];
  const out: string[] = [];
  for (const sql of statements) {
    const t = alterTableRe.exec(sql.trim());
    const table = t ? `${t[1].replace(/""/g, '"')}.${t[2].replace(/""/g, '"')}` : "";
    if (!t || !hasRows.has(table)) {
      out.push(sql);
      continue;
    }
    const m = addColumnRe.exec(sql.trim());
    if (m && / not null;$/i.test(sql.trim()) && !/ default /i.test(sql)) {
      deferred.push(`alter table "${m[1]}"."${m[2]}" alter column "${m[3]}" set not null;`);
      out.push(sql.trim().replace(/ not null;$/i, ";"));
    } else if (/^alter table "(?:[^"]|"")+"\."(?:[^"]|"")+" validate constraint /i.test(sql.trim())) {
      deferred.push(sql);
    } else {
      out.push(sql);
    }
  }
  return { statements: out, deferred };
}

const alterTableRe = /^alter table "((?:[^"]|"")+)"\."((?:[^"]|"")+)" /i;

/**
 * The "schema.table" names among `statements`' ALTER TABLE targets that have rows in `sql`'s database.
 * A table the statements create (migra alters a new table too: row-level security, constraints) is not
 * there yet, so it has none.
 */
export async function tablesWithRows(sql: Sql, statements: string[]): Promise<Set<string>> {
  const names = new Set<string>();
  for (const st of statements) {
    const m = alterTableRe.exec(st.trim());
    if (m) names.add(`"${m[1]}"."${m[2]}"`);
  }
  const out = new Set<string>();
  for (const name of names) {
    const [present] = await sql.unsafe<{ ok: boolean }[]>("select pg_catalog.to_regclass($1) is not null as ok", [name]);
    if (!present.ok) continue;
    const [row] = await sql.unsafe<{ ok: boolean }[]>(`select exists (select 1 from ${name}) as ok`);
    if (row.ok) out.add(name.replace(/^"((?:[^"]|"")+)"\."((?:[^"]|"")+)"$/, (_, a: string, b: string) => `${a.replace(/""/g, '"')}.${b.replace(/""/g, '"')}`));
  }
  return out;
}

const identPart = `(?:"(?:[^"]|"")+"|[^\\s."(]+)`;
const creatableRe = new RegExp(
  `^create\\s+(?:or\\s+replace\\s+)?(?:function|procedure|view|materialized\\s+view|recursive\\s+view)\\s+(${identPart})\\.(${identPart})`,
  "i",
);

function unquote(part: string): string {
  return part.startsWith('"') ? part.slice(1, -1).replace(/""/g, '"') : part;
}

/** "schema.name" of the function, procedure or view a CREATE statement makes (undefined for anything else). */
export function createdObject(sql: string): string | undefined {
  const m = creatableRe.exec(sql.trim());
  return m ? `${unquote(m[1])}.${unquote(m[2])}` : undefined;
}

/**
 * migra creates indexes before functions; an expression index on a function the same statements create
 * (e.g. the day a row's date-driven values next change) must come after it, and after everything that
 * function calls: such indexes go last, in their order.
 */
export function indexesAfterTheirFunctions(statements: string[]): string[] {
  const created = statements.map(createdObject).filter((n): n is string => n !== undefined);
  const late = (sql: string) =>
    /^create\s+(unique\s+)?index\b/i.test(sql.trim()) && created.some((name) => sql.includes(`${name}(`));
  return [...statements.filter((s) => !late(s)), ...statements.filter(late)];
}

/**
 * migra creates functions and views in name order; a SQL-standard function body (BEGIN ATOMIC) or a
 * view is checked when it is created, so each must come after what it uses. Puts the CREATE
 * statements of functions, procedures and views (in the slots they had) in an order where each
 * follows the objects it depends on (`deps`: [dependent, referenced] "schema.name" pairs, from the
 * target database), keeping migra's order otherwise.
 */
export function orderByDependencies(statements: string[], deps: Array<[string, string]>): string[] {
  const slots: number[] = [];
  const items: Array<{ sql: string; name: string }> = [];
  statements.forEach((sql, idx) => {
    const name = createdObject(sql);
    if (!name) return;
    slots.push(idx);
    items.push({ sql, name });
  });
  const names = new Set(items.map((i) => i.name));
  const needs = new Map<string, Set<string>>();
  for (const [dependent, referenced] of deps) {
    if (dependent === referenced || !names.has(dependent) || !names.has(referenced)) continue;
    needs.set(dependent, (needs.get(dependent) ?? new Set()).add(referenced));
  }
  const placed = new Set<number>();
  const done = new Set<string>();
  const remaining = (name: string) => items.filter((it, i) => it.name === name && !placed.has(i)).length;
  const order: number[] = [];
  while (order.length < items.length) {
    let pick = items.findIndex((it, i) => !placed.has(i) && [...(needs.get(it.name) ?? [])].every((r) => done.has(r) || r === it.name));
    if (pick < 0) pick = items.findIndex((_, i) => !placed.has(i)); // a cycle: keep migra's order
    placed.add(pick);
    order.push(pick);
    if (remaining(items[pick].name) === 0) done.add(items[pick].name);
  }
  const out = [...statements];
  slots.forEach((slot, i) => (out[slot] = items[order[i]].sql));
  return out;
}

/** [dependent, referenced] pairs of functions, procedures and views ("schema.name") in `sql`'s database. */
export async function routineAndViewDependencies(sql: Sql): Promise<Array<[string, string]>> {
  const rows = await sql.unsafe<{ dependent: string; referenced: string }[]>(`
    with objs as (
      select 'pg_catalog.pg_proc'::pg_catalog.regclass as classid, p.oid as objid, n.nspname || '.' || p.proname as name
      from pg_catalog.pg_proc as p join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
      where n.nspname not in (${systemList})
      union all
      select 'pg_catalog.pg_class'::pg_catalog.regclass, c.oid, n.nspname || '.' || c.relname
      from pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
      where c.relkind in ('v', 'm') and n.nspname not in (${systemList})
    ),
    deps as (
      select case when d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass then 'pg_catalog.pg_class'::pg_catalog.regclass else d.classid end as classid,
             case when d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass then r.ev_class else d.objid end as objid,
             d.refclassid, d.refobjid
      from pg_catalog.pg_depend as d
      left join pg_catalog.pg_rewrite as r on d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass and r.oid = d.objid
      where d.deptype = 'n'
    )
    select distinct a.name as dependent, b.name as referenced
    from deps
    join objs as a on a.classid = deps.classid and a.objid = deps.objid
    join objs as b on b.classid = deps.refclassid and b.objid = deps.refobjid
    where a.name <> b.name`);
  return rows.map((r) => [r.dependent, r.referenced]);
}

/**
 * A view, or a function with a SQL-standard body (BEGIN ATOMIC), is stored parsed; migra recreates it
 * from PostgreSQL's deparsed text, which does not always parse back to the same thing (casts of
 * IN-lists, column aliases of a UNION), so the result would still differ from the tree. Such CREATE
 * statements are replaced by the tree's own text for the object (`defs`, the last definition of a
 * view; a function only when the tree defines one of that name), made CREATE OR REPLACE.
 */
export function useTreeText(statements: string[], defs: Map<string, TreeDefinition[]>, label: (file: string) => string): string[] {
  return statements.map((sql) => {
    const name = createdObject(sql);
    if (!name) return sql;
    const view = /^create\s+(?:or\s+replace\s+)?(?:materialized\s+)?view\b/i.test(sql.trim());
    const atomic = !view && /\bBEGIN\s+ATOMIC\b/i.test(sql);
    if (!view && !atomic) return sql;
    const candidates = (defs.get(name) ?? []).filter((d) => /^create\s+(?:or\s+replace\s+)?(?:materialized\s+)?view\b/i.test(d.sql) === view);
    if (candidates.length === 0 || (!view && candidates.length > 1)) return sql;
    const def = candidates[candidates.length - 1];
    if (/^create\s+materialized\s+view\b/i.test(def.sql) !== /^create\s+materialized\s+view\b/i.test(sql.trim())) return sql;
    const text = def.sql.replace(/^create\s+(?!or\s+replace\b)(function|procedure|view|recursive\s+view)\b/i, "create or replace $1");
    return `-- as written in ${label(def.file)}\n${text}`;
  });
}

/**
 * migra compares a function's source text (prosrc), which is empty for a SQL-standard body (BEGIN ATOMIC):
 * a changed body of a function that keeps its signature goes unseen. The target's definition of each such
 * function whose pg_get_functiondef differs, and that `statements` do not already create (useTreeText then
 * puts the tree's own text in its place).
 */
async function changedAtomicBodies(fromUrl: string, target: Sql, statements: string[]): Promise<string[]> {
  const query = `
    select p.oid::pg_catalog.regprocedure::text as signature, n.nspname || '.' || p.proname as name,
           pg_catalog.pg_get_functiondef(p.oid) as def
    from pg_catalog.pg_proc as p join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
    where p.prosqlbody is not null and n.nspname not in (${systemList})`;
  const source = connect(fromUrl);
  try {
    const before = new Map((await source.unsafe<{ signature: string; def: string }[]>(query)).map((r) => [r.signature, r.def]));
    const created = new Set(statements.map(createdObject).filter(Boolean));
    return (await target.unsafe<{ signature: string; name: string; def: string }[]>(query))
      .filter((r) => before.has(r.signature) && before.get(r.signature) !== r.def && !created.has(r.name))
      .map((r) => `${r.def.trim()};`);
  } finally {
    await source.end();
  }
}

/** migra's statements from `fromUrl` to `toUrl` (drops included), without privileges (see privilegeStatements). */
export async function migraStatements(
  fromUrl: string,
  toUrl: string,
  target: Sql,
  tree?: { defs: Map<string, TreeDefinition[]>; label: (file: string) => string },
): Promise<string[]> {
  const from = createClient(fromUrl);
  const to = createClient(toUrl);
  try {
    const m = await migra(from, to, { unsafe: true, excludeSchema: excludedSchemas, withPrivileges: false } as Parameters<typeof migra>[2]);
    const statements = [...m.statements].map((st) => String(st).trim()).filter(Boolean);
    const cols = await target.unsafe<{ s: string; t: string; c: string; n: number }[]>(`
      select n.nspname as s, c.relname as t, a.attname as c, a.attnum::int as n
      from pg_catalog.pg_attribute as a
      join pg_catalog.pg_class as c on c.oid = a.attrelid
      join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
      where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p') and n.nspname not in (${systemList})`);
    const pos = new Map(cols.map((r) => [`${r.s}\u0000${r.t}\u0000${r.c}`, r.n]));
    statements.push(...(await changedAtomicBodies(fromUrl, target, statements)));
    const ordered = orderAddedColumns(statements, (sc, t, c) => pos.get(`${sc}\u0000${t}\u0000${c}`));
    const sorted = indexesAfterTheirFunctions(orderByDependencies(ordered, await routineAndViewDependencies(target)));
    return tree ? useTreeText(sorted, tree.defs, tree.label) : sorted;
  } finally {
    await Promise.allSettled([from.end(), to.end()]);
  }
}

/**
 * What migra leaves out of the DDL (seen on PostgreSQL 15): FORCE ROW LEVEL SECURITY, storage and view
 * options (reloptions: fillfactor, security_invoker, …; CREATE OR REPLACE VIEW without them clears
 * them), REPLICA IDENTITY, and a sequence's parameters (migra creates sequences with the defaults and
 * never alters them).
 */
export async function relationOptionStatements(from: Sql, to: Sql): Promise<string[]> {
  interface Rel {
    identity: string;
    relkind: string;
    force_rls: boolean;
    replident: string;
    options: string[] | null;
    seq: string | null;
  }
  const query = `
    select c.oid::pg_catalog.regclass::text as identity, c.relkind::text as relkind, c.relforcerowsecurity as force_rls,
           c.relreplident::text as replident, c.reloptions as options,
           case when s.seqrelid is not null then
             'as ' || pg_catalog.format_type(s.seqtypid, null) || ' increment by ' || s.seqincrement || ' minvalue ' || s.seqmin ||
             ' maxvalue ' || s.seqmax || ' start with ' || s.seqstart || ' cache ' || s.seqcache || case when s.seqcycle then ' cycle' else ' no cycle' end
             || case when q.last_value is null then ' restart' else '' end
           end as seq
    from pg_catalog.pg_class as c
    join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
    left join pg_catalog.pg_sequence as s on s.seqrelid = c.oid
    left join pg_catalog.pg_sequences as q on q.schemaname = n.nspname and q.sequencename = c.relname
    where c.relkind in ('r', 'p', 'v', 'm', 'i', 'S') and n.nspname not in (${systemList}) and n.nspname !~ '^pg_(toast|temp)'
      and not exists (select 1 from pg_catalog.pg_depend as e where e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and e.objid = c.oid and e.deptype in ('e', 'i'))`;
  const [a, b] = await Promise.all([from.unsafe<Rel[]>(query), to.unsafe<Rel[]>(query)]);
  const ma = new Map(a.map((r) => [r.identity, r]));
  const out: string[] = [];
  const kindWord = (k: string) => (k === "v" ? "view" : k === "m" ? "materialized view" : k === "i" ? "index" : k === "S" ? "sequence" : "table");
  for (const y of [...b].sort((p, q) => (p.identity < q.identity ? -1 : 1))) {
    const x = ma.get(y.identity);
    if (!x || x.relkind !== y.relkind) continue; // the DDL did not make it: the final comparison names it
    const word = kindWord(y.relkind);
    if ((y.relkind === "r" || y.relkind === "p") && x.force_rls !== y.force_rls) {
      out.push(`alter table ${y.identity} ${y.force_rls ? "force" : "no force"} row level security;`);
    }
    if ((y.relkind === "r" || y.relkind === "m") && x.replident !== y.replident && y.replident !== "i") {
      out.push(`alter ${word} ${y.identity} replica identity ${{ d: "default", f: "full", n: "nothing" }[y.replident]};`);
    }
    const oa = new Map((x.options ?? []).map((o) => [o.slice(0, o.indexOf("=")), o.slice(o.indexOf("=") + 1)]));
    const ob = new Map((y.options ?? []).map((o) => [o.slice(0, o.indexOf("=")), o.slice(o.indexOf("=") + 1)]));
    const reset = [...oa.keys()].filter((k) => !ob.has(k));
    const set = [...ob].filter(([k, v]) => oa.get(k) !== v).map(([k, v]) => `${k} = ${/^[A-Za-z0-9_.]+$/.test(v) ? v : lit(v)}`);
    if (reset.length) out.push(`alter ${word} ${y.identity} reset (${reset.join(", ")});`);
    if (set.length) out.push(`alter ${word} ${y.identity} set (${set.join(", ")});`);
    // " restart" marks a sequence never used: compared without it; such a sequence restarts at its new start
    const seqA = x.seq?.replace(/ restart$/, "");
    const seqB = y.seq?.replace(/ restart$/, "");
    if (seqB && seqA !== seqB) out.push(`alter sequence ${y.identity} ${seqB}${x.seq?.endsWith(" restart") ? " restart" : ""};`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Comments
// ---------------------------------------------------------------------------------------------

interface Comment {
  type: string;
  identity: string;
  description: string;
}

async function comments(sql: Sql): Promise<Map<string, Comment>> {
  const rows = await sql.unsafe<Comment[]>(`
    select o.type, o.identity, d.description
    from pg_catalog.pg_description as d
    cross join lateral pg_catalog.pg_identify_object(d.classoid, d.objoid, d.objsubid) as o
    where coalesce(o.schema, case when d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass then o.identity end, '') not in (${systemList})
      and coalesce(o.schema, '') !~ '^pg_(toast|temp)'
      and not exists (select 1 from pg_catalog.pg_depend as e where e.classid = d.classoid and e.objid = d.objoid and e.deptype = 'e')`);
  return new Map(rows.map((r) => [`${r.type}|${r.identity}`, r]));
}

/** "COMMENT ON <what>" for a pg_identify_object type and identity. */
export function commentTarget(type: string, identity: string): string {
  if (/ column$/.test(type)) return `column ${identity}`;
  if (type === "table constraint") return `constraint ${identity}`;
  if (type === "domain constraint") return `constraint ${identity.replace(" on ", " on domain ")}`;
  if (type === "composite type") return `type ${identity}`;
  return `${type} ${identity}`;
}

/** COMMENT statements that give `from` the comments of `to`. */
export async function commentStatements(from: Sql, to: Sql): Promise<string[]> {
  const [a, b] = await Promise.all([comments(from), comments(to)]);
  const out: string[] = [];
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(key);
    const y = b.get(key);
    if (x && y && x.description === y.description) continue;
    const c = (y ?? x)!;
    out.push(`comment on ${commentTarget(c.type, c.identity)} is ${y ? lit(y.description) : "null"};`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Privileges (aclexplode of every object's ACL, NULL read as the built-in default)
// ---------------------------------------------------------------------------------------------

interface Grant {
  kind: string;
  target: string;
  identity: string;
  col: string | null;
  grantee: string;
  privilege: string;
  grantable: boolean;
}

async function grants(sql: Sql): Promise<Grant[]> {
  const userSchema = `n.nspname not in (${systemList}) and n.nspname !~ '^pg_(toast|temp)'`;
  return [
    ...(await sql.unsafe<Grant[]>(`
    with objects as (
      select 'relation' as kind, case c.relkind when 'S' then 'sequence' else 'table' end as target, c.oid::pg_catalog.regclass::text as identity,
             null::text as col, coalesce(c.relacl, pg_catalog.acldefault(case c.relkind when 'S' then 's' else 'r' end::"char", c.relowner)) as acl
      from pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p', 'v', 'm', 'f', 'S') and ${userSchema}
      union all
      select 'column', 'table', c.oid::pg_catalog.regclass::text, pg_catalog.quote_ident(a.attname), a.attacl
      from pg_catalog.pg_attribute as a
      join pg_catalog.pg_class as c on c.oid = a.attrelid
      join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
      where a.attacl is not null and a.attnum > 0 and not a.attisdropped and ${userSchema}
      union all
      select 'routine', case p.prokind when 'p' then 'procedure' else 'function' end, p.oid::pg_catalog.regprocedure::text, null,
             coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))
      from pg_catalog.pg_proc as p join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
      where ${userSchema}
      union all
      select 'schema', 'schema', pg_catalog.quote_ident(n.nspname), null, coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner))
      from pg_catalog.pg_namespace as n
      where ${userSchema}
    )
    select o.kind, o.target, o.identity, o.col,
           case when x.grantee = 0 then 'public' else pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(x.grantee)) end as grantee,
           x.privilege_type as privilege, x.is_grantable as grantable
    from objects as o cross join lateral pg_catalog.aclexplode(o.acl) as x`)),
  ];
}

function grantOn(g: Grant): string {
  if (g.kind === "column") return `${g.privilege.toLowerCase()} (${g.col}) on table ${g.identity}`;
  return `${g.privilege.toLowerCase()} on ${g.target} ${g.identity}`;
}

/** GRANT and REVOKE statements that give `from` the privileges of `to` (revokes first). */
export async function privilegeStatements(from: Sql, to: Sql): Promise<string[]> {
  const [a, b] = await Promise.all([grants(from), grants(to)]);
  const key = (g: Grant) => `${g.kind}|${g.identity}|${g.col ?? ""}|${g.grantee}|${g.privilege}`;
  const objects = (gs: Grant[]) => new Set(gs.map((g) => `${g.kind}|${g.identity}|${g.col ?? ""}`));
  const ma = new Map(a.map((g) => [key(g), g]));
  const mb = new Map(b.map((g) => [key(g), g]));
  // only objects both databases have: one the other lacks is created or dropped by the DDL
  const objA = objects(a);
  const objB = objects(b);
  const both = (g: Grant) => objA.has(`${g.kind}|${g.identity}|${g.col ?? ""}`) && objB.has(`${g.kind}|${g.identity}|${g.col ?? ""}`) || g.kind === "column";
  const revokes: string[] = [];
  const grantsOut: string[] = [];
  for (const [k, g] of [...ma].sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (!both(g)) continue;
    const t = mb.get(k);
    if (!t) revokes.push(`revoke ${grantOn(g)} from ${g.grantee};`);
    else if (g.grantable && !t.grantable) revokes.push(`revoke grant option for ${grantOn(g)} from ${g.grantee};`);
  }
  for (const [k, g] of [...mb].sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (!both(g)) continue;
    const f = ma.get(k);
    if (!f || (g.grantable && !f.grantable)) grantsOut.push(`grant ${grantOn(g)} to ${g.grantee}${g.grantable ? " with grant option" : ""};`);
  }
  return [...revokes, ...grantsOut, ...(await defaultPrivilegeStatements(from, to))];
}

interface DefaultGrant {
  role: string;
  rolename: string;
  schema: string;
  objtype: string;
  grantee: string;
  privilege: string;
  grantable: boolean;
}

const defaclKeyword: Record<string, string> = { r: "tables", S: "sequences", f: "functions", T: "types", n: "schemas" };
const defaclCode: Record<string, string> = { r: "r", S: "s", f: "f", T: "T", n: "n" };

async function defaultGrants(sql: Sql): Promise<DefaultGrant[]> {
  return [
    ...(await sql.unsafe<DefaultGrant[]>(`
    select pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(d.defaclrole)) as role, pg_catalog.pg_get_userbyid(d.defaclrole) as rolename,
           coalesce(pg_catalog.quote_ident(n.nspname), '') as schema, d.defaclobjtype::text as objtype,
           case when x.grantee = 0 then 'public' else pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(x.grantee)) end as grantee,
           x.privilege_type as privilege, x.is_grantable as grantable
    from pg_catalog.pg_default_acl as d
    left join pg_catalog.pg_namespace as n on n.oid = d.defaclnamespace
    cross join lateral pg_catalog.aclexplode(d.defaclacl) as x`)),
  ];
}

/** A global default ACL that is absent means the built-in one: read it as such. */
async function builtInDefaults(sql: Sql, like: DefaultGrant): Promise<DefaultGrant[]> {
  const rows = await sql.unsafe<{ grantee: string; privilege: string; grantable: boolean }[]>(
    `select case when x.grantee = 0 then 'public' else pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(x.grantee)) end as grantee,
            x.privilege_type as privilege, x.is_grantable as grantable
     from pg_catalog.pg_roles as r cross join lateral pg_catalog.aclexplode(pg_catalog.acldefault($1::"char", r.oid)) as x
     where r.rolname = $2`,
    [defaclCode[like.objtype], like.rolename],
  );
  return rows.map((r) => ({ ...like, ...r }));
}

async function defaultPrivilegeStatements(from: Sql, to: Sql): Promise<string[]> {
  let [a, b] = await Promise.all([defaultGrants(from), defaultGrants(to)]);
  const setKey = (g: DefaultGrant) => `${g.role}|${g.schema}|${g.objtype}`;
  const globalsA = new Map(a.filter((g) => !g.schema).map((g) => [setKey(g), g]));
  const globalsB = new Map(b.filter((g) => !g.schema).map((g) => [setKey(g), g]));
  for (const [k, g] of globalsB) if (!globalsA.has(k)) a = [...a, ...(await builtInDefaults(from, g))];
  for (const [k, g] of globalsA) if (!globalsB.has(k)) b = [...b, ...(await builtInDefaults(to, g))];
  const key = (g: DefaultGrant) => `${setKey(g)}|${g.grantee}|${g.privilege}`;
  const ma = new Map(a.map((g) => [key(g), g]));
  const mb = new Map(b.map((g) => [key(g), g]));
  const head = (g: DefaultGrant) => `alter default privileges for role ${g.role}${g.schema ? ` in schema ${g.schema}` : ""}`;
  const out: string[] = [];
  for (const [k, g] of [...ma].sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (!mb.has(k)) out.push(`${head(g)} revoke ${g.privilege.toLowerCase()} on ${defaclKeyword[g.objtype]} from ${g.grantee};`);
  }
  for (const [k, g] of [...mb].sort(([x], [y]) => (x < y ? -1 : 1))) {
    const f = ma.get(k);
    if (!f || (g.grantable && !f.grantable)) {
      out.push(`${head(g)} grant ${g.privilege.toLowerCase()} on ${defaclKeyword[g.objtype]} to ${g.grantee}${g.grantable ? " with grant option" : ""};`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Roles (before the DDL: policies and grants name them; drops after everything)
// ---------------------------------------------------------------------------------------------

const listSettings = new Set(["search_path", "temp_tablespaces", "session_preload_libraries", "local_preload_libraries"]);

function settingStatement(role: string, setting: string): string {
  const eq = setting.indexOf("=");
  const name = setting.slice(0, eq);
  const value = setting.slice(eq + 1);
  return `alter role ${role} set ${name} = ${listSettings.has(name) ? value : lit(value)};`;
}

function memberships(row: Row | undefined): Map<string, boolean> {
  const m = new Map<string, boolean>();
  for (const part of (row?.member_of ?? "").split(", ").filter(Boolean)) {
    const admin = part.endsWith(" (admin)");
    m.set(admin ? part.slice(0, -" (admin)".length) : part, admin);
  }
  return m;
}

const roleFlags: Array<[string, string, string]> = [
  ["superuser", "superuser", "nosuperuser"],
  ["inherit", "inherit", "noinherit"],
  ["createrole", "createrole", "nocreaterole"],
  ["createdb", "createdb", "nocreatedb"],
  ["login", "login", "nologin"],
  ["replication", "replication", "noreplication"],
  ["bypassrls", "bypassrls", "nobypassrls"],
];

function roleOptions(row: Row, only?: string[]): string {
  const opts = roleFlags.filter(([c]) => !only || only.includes(c)).map(([c, yes, no]) => (row[c] === "true" ? yes : no));
  if ((!only || only.includes("connection_limit")) && row.connection_limit !== "-1") opts.push(`connection limit ${row.connection_limit}`);
  else if (only?.includes("connection_limit")) opts.push("connection limit -1");
  return opts.join(" ");
}

/** Statements for the roles: [before the DDL (create, alter, memberships, comments), after everything (drops)]. */
export function roleStatements(a: RegistryTable | undefined, b: RegistryTable | undefined): { before: string[]; after: string[] } {
  const before: string[] = [];
  const after: string[] = [];
  if (!a || !b) return { before, after };
  for (const change of diffRows(a, b)) {
    const name = change.key.rolname!;
    const role = quoteIdent(name);
    if (change.kind === "only-a") {
      after.push(`drop role if exists ${role};`);
      continue;
    }
    const x = change.a;
    const y = change.b!;
    if (change.kind === "only-b") {
      before.push(
        `do $$\nbegin\n    if not exists (select 1 from pg_catalog.pg_roles where rolname = ${lit(name)}) then\n        create role ${role} ${roleOptions(y)};\n    end if;\nend\n$$;`,
      );
    } else {
      const flags = change.columns!.filter((c) => roleFlags.some(([f]) => f === c) || c === "connection_limit");
      if (flags.length) before.push(`alter role ${role} ${roleOptions(y, flags)};`);
    }
    const sa = new Set((x?.settings ?? "").split("\n").filter(Boolean));
    const sb = new Set((y.settings ?? "").split("\n").filter(Boolean));
    const namesB = new Set([...sb].map((s) => s.slice(0, s.indexOf("="))));
    for (const s of sa) if (!namesB.has(s.slice(0, s.indexOf("=")))) before.push(`alter role ${role} reset ${s.slice(0, s.indexOf("="))};`);
    for (const s of sb) if (!sa.has(s)) before.push(settingStatement(role, s));
    const ma = memberships(x);
    const mb = memberships(y);
    for (const [g] of ma) if (!mb.has(g)) before.push(`revoke ${g} from ${role};`);
    for (const [g, admin] of mb) if (ma.get(g) !== admin) before.push(`grant ${g} to ${role}${admin ? " with admin option" : ""};`);
    if ((x?.comment ?? null) !== (y.comment ?? null)) before.push(`comment on role ${role} is ${y.comment === null ? "null" : lit(y.comment)};`);
  }
  return { before, after };
}

// ---------------------------------------------------------------------------------------------
// Registry rows: inserts, updates and deletes by primary key
// ---------------------------------------------------------------------------------------------

/** Orders tables so that a table comes after the tables its foreign keys reference. */
export function orderByForeignKeys(tables: string[], fks: Array<{ child: string; parent: string }>): string[] {
  const deps = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const { child, parent } of fks) if (deps.has(child) && deps.has(parent) && child !== parent) deps.get(child)!.add(parent);
  const out: string[] = [];
  const done = new Set<string>();
  const pending = [...tables].sort();
  while (pending.length) {
    const idx = pending.findIndex((t) => [...deps.get(t)!].every((p) => done.has(p)));
    const [t] = pending.splice(idx >= 0 ? idx : 0, 1); // a cycle: take the first
    out.push(t);
    done.add(t);
  }
  return out;
}

export async function foreignKeys(sql: Sql): Promise<Array<{ child: string; parent: string }>> {
  return [
    ...(await sql.unsafe<{ child: string; parent: string }[]>(`
    select c.conrelid::pg_catalog.regclass::text as child, c.confrelid::pg_catalog.regclass::text as parent
    from pg_catalog.pg_constraint as c where c.contype = 'f'`)),
  ];
}

function where(table: RegistryTable, key: Row): string {
  return Object.entries(key)
    .map(([k, v]) => {
      const type = table.columns.find((c) => c.name === k)?.type ?? "text";
      return v === null ? `${quoteIdent(k)} is null` : `${quoteIdent(k)} = ${pgLiteral(v, type)}`;
    })
    .join(" and ");
}

function tableDataStatements(a: RegistryTable, b: RegistryTable): { deletes: string[]; upserts: string[] } {
  const deletes: string[] = [];
  const upserts: string[] = [];
  const type = (c: string) => b.columns.find((x) => x.name === c)?.type ?? "text";
  const ignored = new Set([...a.ignored, ...b.ignored]);
  const writable = b.columns.filter((c) => !c.generated && !ignored.has(c.name));
  const overriding = writable.some((c) => c.identity === "a") ? " overriding system value" : "";
  const inserts: string[] = [];
  for (const c of diffRows(a, b)) {
    if (c.kind === "only-a") {
      deletes.push(`delete from ${b.name} where ${where(b, c.key)};`);
    } else if (c.kind === "only-b") {
      inserts.push(`    (${writable.map((col) => pgLiteral(c.b![col.name] ?? null, col.type)).join(", ")})`);
    } else {
      const sets = c.columns!.filter((col) => writable.some((w) => w.name === col)).map((col) => `${quoteIdent(col)} = ${pgLiteral(c.b![col] ?? null, type(col))}`);
      if (sets.length) upserts.push(`update ${b.name} set ${sets.join(", ")} where ${where(b, c.key)};`);
    }
  }
  if (inserts.length) {
    upserts.push(`insert into ${b.name} (${writable.map((c) => quoteIdent(c.name)).join(", ")})${overriding} values\n${inserts.join(",\n")};`);
  }
  return { deletes, upserts };
}

function cronStatements(a: RegistryTable, b: RegistryTable): string[] {
  const out: string[] = [];
  for (const c of diffRows(a, b)) {
    const name = c.key.jobname!;
    if (c.kind === "only-a") {
      out.push(`select cron.unschedule(${lit(name)});`);
      continue;
    }
    const y = c.b!;
    if (c.kind === "only-b" || c.columns!.some((col) => col === "schedule" || col === "command")) {
      out.push(`select cron.schedule(${lit(name)}, ${lit(y.schedule)}, ${lit(y.command)});`);
    }
    const activeNow = c.kind === "only-b" ? "true" : c.a!.active;
    if (y.active !== activeNow) {
      out.push(`select cron.alter_job(job_id := (select jobid from cron.job where jobname = ${lit(name)}), active := ${y.active});`);
    }
  }
  return out;
}

/** Data statements that give `from`'s registry tables (warehouse.*, cron.job) the rows of `to`'s. */
export function dataStatements(a: Registry, b: Registry, fks: Array<{ child: string; parent: string }>): string[] {
  const tables = [...b.keys()].filter((t) => t !== "roles" && t !== "cron.job" && a.has(t));
  const order = orderByForeignKeys(tables, fks);
  const parts = new Map(order.map((t) => [t, tableDataStatements(a.get(t)!, b.get(t)!)]));
  const out: string[] = [];
  for (const t of [...order].reverse()) out.push(...parts.get(t)!.deletes);
  for (const t of order) out.push(...parts.get(t)!.upserts);
  const ca = a.get("cron.job");
  const cb = b.get("cron.job");
  if (ca && cb) out.push(...cronStatements(ca, cb));
  return out;
}
