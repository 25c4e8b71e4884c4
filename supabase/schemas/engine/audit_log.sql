-- Audit logging (the seed's "Audit Logging"): who queried the warehouse.
--
--   1. pgaudit OBJECT auditing. warehouse_auditor (nologin, granted to nobody) holds SELECT on every
--      table of raw, staging and marts, now and later (default privileges). With pgaudit.role set to
--      it, PostgreSQL logs an "AUDIT: OBJECT,..." line for every statement that reads one of those
--      tables, whoever runs it. audit.configure_object_audit() sets pgaudit.role for the database;
--      where that is refused (Supabase: only superusers may, and the postgres role is not one) it
--      sets it per login role and says what is left to do.
--   2. The log lines reach the audit-ingest Edge Function (a Supabase log drain, or the jsonlog file
--      of a local cluster), which parses them and calls audit.ingest_statements.
--   3. audit.warehouse_audit_logs keeps one row per statement, insert-only for every role.
--
-- pgaudit.log_rows is deliberately left off: with it on, pgaudit logs at executor end, so a statement
-- that read a table and then failed (error-based exfiltration) would not be logged at all.
create extension if not exists pgaudit with schema extensions;

-- The audit log
create table audit.warehouse_audit_logs (
    id uuid primary key default gen_random_uuid(),
    user_id uuid,
    user_email varchar(255),
    role_name text not null,
    database_name text,
    application_name text,
    session_id text,
    statement_id bigint,
    substatement_id bigint,
    command text,
    audit_class text,
    query_text text not null,
    tables_accessed text[],
    rows_returned bigint check (rows_returned >= 0),
    executed_at timestamptz default now(),
    execution_time_ms integer check (execution_time_ms >= 0),
    log_time timestamptz,
    source text not null default 'pgaudit',
    ingested_at timestamptz not null default now(),
    constraint warehouse_audit_logs_statement_key unique (session_id, statement_id, substatement_id),
    constraint warehouse_audit_logs_pgaudit_has_key check (
        source <> 'pgaudit' or (session_id is not null and statement_id is not null and substatement_id is not null)
    )
);

create index warehouse_audit_logs_executed_at_brin on audit.warehouse_audit_logs using brin (executed_at);

comment on table audit.warehouse_audit_logs is
    'Who queried the warehouse. Grain: one row per statement (per pgaudit statement and sub-statement of a database '
    'session) that touched a table of raw, staging, marts, audit or warehouse; pgaudit''s one-line-per-relation output '
    'is merged into tables_accessed. Filled by audit.ingest_statements (the audit-ingest Edge Function). Insert-only '
    'for every role: a trigger refuses UPDATE, DELETE and TRUNCATE and no role holds those privileges.';
comment on column audit.warehouse_audit_logs.id is 'Row id.';
comment on column audit.warehouse_audit_logs.user_id is
    'App user (public.users.id) behind the statement. NULL for pgaudit rows: warehouse readers are database roles, '
    'not app users (see role_name). Kept from the seed for statements logged by an application layer.';
comment on column audit.warehouse_audit_logs.user_email is
    'App user''s email. NULL for pgaudit rows, for the same reason as user_id; the warehouse never stores it for them.';
comment on column audit.warehouse_audit_logs.role_name is
    'The database role that ran the statement: the session''s login (the log record''s user), e.g. an analyst''s login, '
    'not the group role (analyst_role) it reads through.';
comment on column audit.warehouse_audit_logs.database_name is 'Database the session was connected to.';
comment on column audit.warehouse_audit_logs.application_name is 'The client''s application_name (psql, Metabase, ...), as the client set it.';
comment on column audit.warehouse_audit_logs.session_id is 'PostgreSQL session id of the backend (%c: start time and pid, hex).';
comment on column audit.warehouse_audit_logs.statement_id is 'pgaudit STATEMENT_ID: sequential per session.';
comment on column audit.warehouse_audit_logs.substatement_id is 'pgaudit SUBSTATEMENT_ID: sequential within the statement (a query inside a called function).';
comment on column audit.warehouse_audit_logs.command is 'pgaudit COMMAND: SELECT, INSERT, UPDATE, DELETE, ...';
comment on column audit.warehouse_audit_logs.audit_class is 'pgaudit CLASS: READ, WRITE, ...';
comment on column audit.warehouse_audit_logs.query_text is
    'The statement text as pgaudit logged it (the whole query string; parameters are not logged). '
    '''<not logged>'' when pgaudit.log_statement is off.';
comment on column audit.warehouse_audit_logs.tables_accessed is
    'The warehouse relations pgaudit logged for this statement (one log line each, merged here), schema-qualified '
    '(marts.marts_core_dim_users), in log order.';
comment on column audit.warehouse_audit_logs.rows_returned is
    'Rows retrieved or affected, when pgaudit.log_rows is on; NULL otherwise (it is off: see the migration header).';
comment on column audit.warehouse_audit_logs.executed_at is
    'When the statement ran: the log time of its first audit line (pgaudit logs as execution starts).';
comment on column audit.warehouse_audit_logs.execution_time_ms is
    'Milliseconds the statement took, from PostgreSQL''s log_min_duration_statement lines for the same text in the same '
    'session (bind + execute for the extended protocol). NULL when PostgreSQL did not log one (the default).';
comment on column audit.warehouse_audit_logs.log_time is 'When PostgreSQL logged the first audit line of the statement.';
comment on column audit.warehouse_audit_logs.source is 'Where the row came from: pgaudit (the audit-ingest function).';
comment on column audit.warehouse_audit_logs.ingested_at is 'When the row was written here.';

-- Insert-only, for everyone: no sanctioned exception (compare warehouse.refuse_raw_change).
create function audit.refuse_audit_log_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    raise exception 'the audit log is insert-only: % on %.% is refused', tg_op, tg_table_schema, tg_table_name
        using errcode = 'insufficient_privilege',
              hint = 'Audit rows are never changed or removed, by any role.';
end;
$$;

comment on function audit.refuse_audit_log_change() is
    'Trigger: refuses every UPDATE, DELETE and TRUNCATE on the audit log, for every role, the owner and superusers included.';

create trigger warehouse_audit_logs_insert_only
    before update or delete on audit.warehouse_audit_logs
    for each row execute function audit.refuse_audit_log_change();
create trigger warehouse_audit_logs_insert_only_truncate
    before truncate on audit.warehouse_audit_logs
    for each statement execute function audit.refuse_audit_log_change();

-- ENABLE ALWAYS: the triggers fire even with session_replication_role = replica.
alter table audit.warehouse_audit_logs enable always trigger warehouse_audit_logs_insert_only;
alter table audit.warehouse_audit_logs enable always trigger warehouse_audit_logs_insert_only_truncate;

-- Nobody holds UPDATE, DELETE or TRUNCATE, not even the owner (superusers bypass this; the triggers do not let them).
revoke all on audit.warehouse_audit_logs from public, anon, authenticated, service_role;
revoke update, delete, truncate on audit.warehouse_audit_logs from current_user;

-- Ingestion
create function audit.ingest_statements(p_rows jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
    v_received integer;
    v_inserted integer;
    v_conflicts integer;
begin
    if p_rows is null or jsonb_typeof(p_rows) <> 'array' then
        raise exception 'audit.ingest_statements expects a JSON array of statements, got %', coalesce(jsonb_typeof(p_rows), 'NULL')
            using errcode = 'invalid_parameter_value';
    end if;

    with incoming as (
        select r.*
        from jsonb_to_recordset(p_rows) as r (
            role_name text,
            database_name text,
            application_name text,
            session_id text,
            statement_id bigint,
            substatement_id bigint,
            command text,
            audit_class text,
            query_text text,
            tables_accessed text[],
            rows_returned bigint,
            executed_at timestamptz,
            execution_time_ms integer,
            log_time timestamptz,
            source text
        )
    ),
    inserted as (
        insert into audit.warehouse_audit_logs (
            role_name, database_name, application_name, session_id, statement_id, substatement_id, command,
            audit_class, query_text, tables_accessed, rows_returned, executed_at, execution_time_ms, log_time, source
        )
        select
            i.role_name, i.database_name, i.application_name, i.session_id, i.statement_id, i.substatement_id, i.command,
            i.audit_class, i.query_text, i.tables_accessed, i.rows_returned,
            coalesce(i.executed_at, i.log_time, now()), i.execution_time_ms, i.log_time, coalesce(i.source, 'pgaudit')
        from incoming as i
        on conflict (session_id, statement_id, substatement_id) do nothing
        returning 1
    )
    select (select count(*) from incoming), (select count(*) from inserted)
    into v_received, v_inserted;

    -- A statement already stored whose stored row lacks some of the relations sent now: its audit lines
    -- were split across two batches. The row cannot be changed (insert-only), so say so.
    select count(*)
    into v_conflicts
    from jsonb_to_recordset(p_rows) as r (session_id text, statement_id bigint, substatement_id bigint, tables_accessed text[])
    join audit.warehouse_audit_logs as l
        on l.session_id = r.session_id and l.statement_id = r.statement_id and l.substatement_id = r.substatement_id
    where not (coalesce(l.tables_accessed, '{}') @> coalesce(r.tables_accessed, '{}'));

    if v_conflicts > 0 then
        raise warning 'audit.ingest_statements: % statement(s) were already logged with fewer relations than now sent; '
            'the stored rows keep their original tables_accessed', v_conflicts;
    end if;

    return jsonb_build_object(
        'inserted', v_inserted,
        'duplicates', v_received - v_inserted,
        'conflicts', v_conflicts
    );
end;
$$;

comment on function audit.ingest_statements(jsonb) is
    'Writes parsed audit statements (a JSON array of objects named like the columns of audit.warehouse_audit_logs) in one '
    'set-based insert. A statement already logged (same session_id, statement_id, substatement_id) is skipped, so '
    'sending a batch again adds nothing. Returns {inserted, duplicates, conflicts}: conflicts are skipped statements '
    'whose stored row lacks some relation sent now (a statement split across batches).';

create function audit.configure_object_audit(p_audit_role text default 'warehouse_auditor')
returns table (scope text, target text, applied boolean, detail text)
language plpgsql
set search_path = ''
as $$
declare
    v_login text;
    v_database_refused text;
    v_roles text[] := '{}';
begin
    scope := 'database';
    target := current_database();
    begin
        execute format('alter database %I set pgaudit.role = %L', current_database(), p_audit_role);
        applied := true;
        detail := format('pgaudit.role = %s for every new session of this database', p_audit_role);
        return next;
        return;
    exception when insufficient_privilege then
        v_database_refused := sqlerrm;
        applied := false;
        detail := v_database_refused;
        return next;
    end;

    -- Refused (Supabase): pgaudit settings are allowed per role there. A role setting applies to sessions that
    -- log in as that role, so set it on every login that can read the warehouse: this one, and analyst_role's.
    for v_login in
        select r.rolname::text
        from pg_catalog.pg_roles as r
        where r.rolcanlogin
          and (r.rolname = current_user or pg_catalog.pg_has_role(r.oid, 'analyst_role', 'member'))
        order by 1
    loop
        scope := 'role';
        target := v_login;
        begin
            execute format('alter role %I set pgaudit.role = %L', v_login, p_audit_role);
            applied := true;
            detail := format('pgaudit.role = %s for sessions that log in as %s', p_audit_role, v_login);
            v_roles := v_roles || v_login;
        exception when insufficient_privilege then
            applied := false;
            detail := sqlerrm;
        end;
        return next;
    end loop;

    raise notice using message = format(
        'pgaudit.role could not be set for database %s (%s). Object auditing now covers sessions of: %s. '
        'Have it set database-wide (Supabase: dashboard or support ticket: alter database %s set pgaudit.role = %L), '
        'or run select * from audit.configure_object_audit() again after creating a login.',
        current_database(), v_database_refused,
        coalesce(nullif(array_to_string(v_roles, ', '), ''), 'no role'), current_database(), p_audit_role);
end;
$$;

comment on function audit.configure_object_audit(text) is
    'Points pgaudit object auditing (pgaudit.role) at the audit role: for the whole database where allowed (a '
    'superuser), else for each login that can read the warehouse (the current login and every login member of '
    'analyst_role), with a NOTICE saying what is left to do. Returns one row per setting tried. Idempotent.';

select scope, target, applied from audit.configure_object_audit();
