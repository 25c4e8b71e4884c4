-- Test: the warehouse audit log keeps one row per statement, ingests idempotently, is insert-only for every
-- role (superusers included), is unreadable to analysts, and pgaudit object auditing covers every raw,
-- staging and marts table through warehouse_auditor.
begin;
select plan(24);

-- The table
select has_table('audit', 'warehouse_audit_logs', 'audit.warehouse_audit_logs should exist');
select columns_are('audit', 'warehouse_audit_logs', array[
    'id', 'user_id', 'user_email', 'role_name', 'database_name', 'application_name', 'session_id', 'statement_id',
    'substatement_id', 'command', 'audit_class', 'query_text', 'tables_accessed', 'rows_returned', 'executed_at',
    'execution_time_ms', 'log_time', 'source', 'ingested_at'
], 'the audit log should have the seed''s columns and the pgaudit ones');
select col_not_null('audit', 'warehouse_audit_logs', 'role_name', 'every audit row should name the database role');
select ok(
    exists (select 1 from pg_indexes where schemaname = 'audit' and tablename = 'warehouse_audit_logs' and indexdef ilike '%using brin (executed_at)%'),
    'executed_at should have a BRIN index');

-- Ingestion
select is(
    audit.ingest_statements($$[
        {"role_name": "tests_login", "session_id": "t.1", "statement_id": 1, "substatement_id": 1, "command": "SELECT",
         "audit_class": "READ", "query_text": "select * from marts.a join marts.b using (id)",
         "tables_accessed": ["marts.a", "marts.b"], "log_time": "2026-11-26T07:17:12.564Z"},
        {"role_name": "tests_login", "session_id": "t.1", "statement_id": 2, "substatement_id": 1, "command": "SELECT",
         "audit_class": "READ", "query_text": "select 1 from raw.c", "tables_accessed": ["raw.c"], "log_time": "2026-11-26T07:17:13Z"}
    ]$$),
    '{"inserted": 2, "duplicates": 0, "conflicts": 0}'::jsonb,
    'ingest_statements should insert new statements and say how many');
select is(
    audit.ingest_statements($$[
        {"role_name": "tests_login", "session_id": "t.1", "statement_id": 1, "substatement_id": 1,
         "query_text": "select * from marts.a join marts.b using (id)", "tables_accessed": ["marts.a", "marts.b"],
         "log_time": "2026-11-26T07:17:12.564Z"},
        {"role_name": "tests_login", "session_id": "t.1", "statement_id": 2, "substatement_id": 1,
         "query_text": "select 1 from raw.c", "tables_accessed": ["raw.c"], "log_time": "2026-11-26T07:17:13Z"}
    ]$$),
    '{"inserted": 0, "duplicates": 2, "conflicts": 0}'::jsonb,
    'sending the same statements again should insert nothing');
select results_eq(
    $$ select role_name, tables_accessed, executed_at, log_time, source, user_id, user_email
       from audit.warehouse_audit_logs where session_id = 't.1' order by statement_id $$,
    $$ values ('tests_login', '{marts.a,marts.b}'::text[], '2026-11-26 07:17:12.564+00'::timestamptz, '2026-11-26 07:17:12.564+00'::timestamptz, 'pgaudit', null::uuid, null::varchar),
              ('tests_login', '{raw.c}'::text[], '2026-11-26 07:17:13+00'::timestamptz, '2026-11-26 07:17:13+00'::timestamptz, 'pgaudit', null::uuid, null::varchar) $$,
    'each statement should be stored once, executed at its log time, with no app user');
set local client_min_messages = error;
select is(
    audit.ingest_statements($$[
        {"role_name": "tests_login", "session_id": "t.1", "statement_id": 2, "substatement_id": 1,
         "query_text": "select 1 from raw.c", "tables_accessed": ["raw.c", "raw.d"], "log_time": "2026-11-26T07:17:13Z"}
    ]$$) -> 'conflicts',
    '1'::jsonb,
    'a stored statement sent again with more relations should be reported as a conflict');
reset client_min_messages;
select throws_ok(
    $$ select audit.ingest_statements('{"role_name": "x"}') $$,
    '22023', null,
    'ingest_statements should refuse anything but a JSON array');
select throws_ok(
    $$ select audit.ingest_statements('[{"role_name": "x", "session_id": "t.9", "statement_id": 1, "substatement_id": 1}]') $$,
    '23502', null,
    'a statement without its text should be refused');

-- Insert-only, for everyone
select throws_ok(
    $$ update audit.warehouse_audit_logs set role_name = 'someone_else' where session_id = 't.1' $$,
    '42501', null,
    'UPDATE should be refused even for postgres (a superuser here)');
select throws_ok(
    $$ delete from audit.warehouse_audit_logs where session_id = 't.1' $$,
    '42501', null,
    'DELETE should be refused even for postgres');
select throws_ok(
    $$ truncate audit.warehouse_audit_logs $$,
    '42501', null,
    'TRUNCATE should be refused even for postgres');
set local session_replication_role = replica;
select throws_ok(
    $$ delete from audit.warehouse_audit_logs where session_id = 't.1' $$,
    '42501', null,
    'DELETE should be refused even with session_replication_role = replica (triggers enabled always)');
set local session_replication_role = origin;
select is_empty(
    $$ select a.grantee::regrole::text, a.privilege_type
       from pg_class as c cross join aclexplode(c.relacl) as a
       where c.oid = 'audit.warehouse_audit_logs'::regclass and a.privilege_type in ('UPDATE', 'DELETE', 'TRUNCATE') $$,
    'no role should be granted UPDATE, DELETE or TRUNCATE on the audit log, not even its owner');

set local role service_role;
select throws_ok(
    $$ delete from audit.warehouse_audit_logs $$,
    '42501', null,
    'service_role should not be able to delete audit rows');
reset role;

set local role analyst_role;
select throws_ok(
    $$ select count(*) from audit.warehouse_audit_logs $$,
    '42501', null,
    'analyst_role should not be able to read the audit log');
reset role;

-- pgaudit object auditing
select ok(
    not (select rolcanlogin from pg_roles where rolname = 'warehouse_auditor')
    and not exists (select 1 from pg_auth_members where roleid = 'warehouse_auditor'::regrole),
    'warehouse_auditor should be nologin and granted to no role');
select is_empty(
    $$ select n.nspname || '.' || c.relname
       from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
       where n.nspname in ('raw', 'staging', 'marts') and c.relkind in ('r', 'p', 'v', 'm')
         and not has_table_privilege('warehouse_auditor', c.oid, 'select') $$,
    'warehouse_auditor should hold SELECT on every raw, staging and marts table, so every read of them is audited');
select is_empty(
    $$ select n.nspname || '.' || c.relname
       from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
       where n.nspname in ('audit', 'warehouse') and c.relkind in ('r', 'p', 'v', 'm')
         and has_table_privilege('warehouse_auditor', c.oid, 'select, insert, update, delete') $$,
    'warehouse_auditor should hold nothing on audit (ingesting would audit itself) or warehouse');

create table marts.tests_audit_new_mart (x integer);
select ok(
    has_table_privilege('warehouse_auditor', 'marts.tests_audit_new_mart', 'select'),
    'a mart table created later should be audited too (default privileges)');

select ok(
    exists (
        select 1 from pg_db_role_setting as s join pg_database as d on d.oid = s.setdatabase
        where s.setrole = 0 and d.datname = current_database() and 'pgaudit.role=warehouse_auditor' = any (s.setconfig)
    ),
    'pgaudit.role should be set to warehouse_auditor for this database (a superuser ran the migration)');

-- Where ALTER DATABASE is refused (Supabase), it is set per login that can read the warehouse instead.
create role tests_audit_admin nologin createrole;
create role tests_audit_login login in role analyst_role;
grant set on parameter pgaudit.role to tests_audit_admin;
grant usage on schema audit to tests_audit_admin;
grant execute on function audit.configure_object_audit(text) to tests_audit_admin;
set local role tests_audit_admin;
set local client_min_messages = warning;
select is(
    (select string_agg(format('%s %s %s', scope, target, applied), ', ' order by scope)
     from audit.configure_object_audit()
     where scope = 'database' or target = 'tests_audit_login'),
    format('database %s f, role tests_audit_login t', current_database()),
    'without the right to alter the database, pgaudit.role should be set on each analyst login instead');
reset client_min_messages;
reset role;
select ok(
    (select 'pgaudit.role=warehouse_auditor' = any (rolconfig) from pg_roles where rolname = 'tests_audit_login'),
    'the analyst login should now carry pgaudit.role');

select * from finish();
rollback;
