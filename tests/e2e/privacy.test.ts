// End-to-end privacy: with synthetic data loaded and the pipeline run, no value readable by analysts
// is an email, name or IP of the source; the Metabase login runs the seed's queries and sees marts
// only; a forgotten user disappears from raw, staging and marts for good.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import postgres from "postgres";
import { startThrowaway, type Throwaway } from "../../scripts/lib/throwaway.ts";
import { analystQuery, connect, npmRunOk } from "./helpers.ts";

let db: Throwaway;
let sql: ReturnType<typeof connect>;

before(async () => {
  db = await startThrowaway("privacy-e2e", { synth: ["--users", "1000"] });
  sql = connect(db.url);
  npmRunOk("pipeline", [], { DATABASE_URL: db.url });
});

after(async () => {
  await sql?.end();
  db?.stop();
});

/** Every value of every column a role can read, split into tokens, that equals a PII value of the source. */
async function leaks(role: string | null, schemas: string[] | null, piiQuery: string) {
  const columns = await sql`
    select c.table_schema, c.table_name, c.column_name
    from information_schema.columns as c
    join pg_class as k on k.oid = format('%I.%I', c.table_schema, c.table_name)::regclass
    where c.table_schema not in ('pg_catalog', 'information_schema', 'public', 'cron', 'supabase_migrations', 'extensions', 'tests', 'synth')
      and not k.relispartition
      and (${role}::text is null or (has_schema_privilege(${role}, c.table_schema, 'usage')
           and has_column_privilege(${role}, format('%I.%I', c.table_schema, c.table_name), c.column_name, 'select')))
      and (${schemas}::text[] is null or c.table_schema = any (${schemas}::text[]))`;
  assert.ok(columns.length > 0, "there should be columns to scan");
  await sql.unsafe(`create temporary table if not exists pii (value text primary key)`);
  await sql.unsafe(`truncate pii; insert into pii ${piiQuery} on conflict do nothing; analyze pii`);
  const found: string[] = [];
  for (const c of columns) {
    const [row] = await sql.unsafe(
      `select count(*)::int as n from ${quote(c.table_schema)}.${quote(c.table_name)} as t,
         regexp_split_to_table(t.${quote(c.column_name)}::text, '[^A-Za-z0-9@._+:-]+') as token
       where token in (select value from pii)`);
    if (row.n > 0) found.push(`${c.table_schema}.${c.table_name}.${c.column_name} (${row.n})`);
  }
  return { scanned: columns.length, found };
}
const quote = (id: string) => `"${id.replace(/"/g, '""')}"`;

test("leak scan - no column analysts can read holds an email, first name, last name or IP of the source", async () => {
  const { scanned, found } = await leaks("analyst_role", null, `
    select email from public.users union select first_name from public.users union select last_name from public.users
    union select host(last_login_ip) from public.users where last_login_ip is not null
    union select host(ip_address) from public.sessions where ip_address is not null
    union select host(ip_address) from public.auth_events where ip_address is not null`);
  assert.ok(scanned >= 30, `the scan should cover every mart column (${scanned})`);
  assert.deepEqual(found, []);
});

test("leak scan - the scan does find PII where it is (raw), so a clean result means something", async () => {
  const { found } = await leaks(null, ["raw"], "select email from public.users");
  assert.ok(found.some((f) => f.startsWith("raw.raw_supabase_users.email")), `raw should contain the emails: ${found}`);
});

test("metabase login - runs the seed's queries verbatim and every marts view, sees marts only and no opted-out user", async () => {
  const password = "metabase-test-password-123";
  npmRunOk("metabase:login", [], { DATABASE_URL: db.url, METABASE_DB_PASSWORD: password });
  const url = new URL(db.url);
  url.username = "metabase_reader";
  url.password = password;
  const mb = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    for (const q of ["daily_active_users", "lifecycle_distribution", "auth_method_adoption"]) {
      const rows = await mb.unsafe(analystQuery(q));
      assert.ok(rows.length > 0, `${q} should return rows`);
    }
    const views = await sql`
      select c.relname from pg_class as c where c.relnamespace = 'marts'::regnamespace and c.relkind = 'v' order by 1`;
    assert.ok(views.some((v) => v.relname === "kpi_active_users"), "the KPI views should exist");
    for (const v of views) {
      const rows = await mb.unsafe(`select * from ${v.relname}`);
      assert.ok(Array.isArray(rows), `${v.relname} should be readable`);
    }
    const [visible] = await mb`select count(*)::int as n from marts_core_dim_users`;
    const [consenting] = await sql`select count(*)::int as n from public.users where not analytics_opt_out`;
    assert.equal(visible.n, consenting.n, "Metabase should see every user except those who opted out");
    await assert.rejects(mb`select count(*) from staging.stg_supabase_users`, /permission denied/);
    await assert.rejects(mb`create table marts.x (id int)`, /read-only|permission denied/);
  } finally {
    await mb.end();
  }
});

test("erasure - a forgotten user is gone from raw, staging and marts, stays gone, and the record counts the rows", async () => {
  const [user] = await sql`
    select u.id::text as id, u.email, s.email_hash
    from public.users as u join staging.stg_supabase_users as s on s.user_id = u.id
    where exists (select 1 from public.sessions where user_id = u.id) order by u.id limit 1`;
  const [before] = await sql`
    select (select count(*)::int from raw.raw_supabase_users where id = ${user.id}) as raw_users,
           (select count(*)::int from raw.raw_supabase_sessions where user_id = ${user.id}) as raw_sessions,
           (select count(*)::int from marts.marts_core_user_activity_daily where user_id = ${user.id}) as activity_days`;
  const [{ result }] = await sql`select warehouse.forget_user(${user.id}::uuid) as result`;
  assert.equal(result.rows_deleted["raw.raw_supabase_users"], before.raw_users);
  // The app changes the user again; two more runs must not bring them back.
  await sql`update public.users set failed_login_attempts = failed_login_attempts + 1 where id = ${user.id}`;
  npmRunOk("pipeline", [], { DATABASE_URL: db.url });
  npmRunOk("pipeline", [], { DATABASE_URL: db.url });
  const { found } = await leaks(null, ["raw", "staging", "marts"], `values (${lit(user.id)}), (${lit(user.email)}), (${lit(user.email_hash)})`);
  assert.deepEqual(found, [], "the id, email hash and email should appear nowhere in raw, staging or marts");
  const [record] = await sql`select rows_deleted from warehouse.erased_users`;
  assert.equal(record.rows_deleted["raw.raw_supabase_users"], before.raw_users);
  assert.equal(record.rows_deleted["raw.raw_supabase_sessions"], before.raw_sessions);
  assert.equal(record.rows_deleted["marts.marts_core_user_activity_daily"], before.activity_days);
});
const lit = (v: string) => `'${v.replace(/'/g, "''")}'`;
