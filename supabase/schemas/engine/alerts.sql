-- Alerts: the warehouse tells people when it needs them.
--
-- The database never calls Slack. An event (a run finishing, a freshness breach) writes one message
-- into warehouse.alert_outbox in the same transaction that records it. The Edge Function
-- warehouse-alerts drains the outbox: it claims due messages (a lease, so two drainers never send the
-- same one), posts them, and marks them delivered, or failed with a retry time that backs off.

-- Outbox
create table warehouse.alert_outbox (
    alert_id uuid primary key default gen_random_uuid(),
    kind text not null check (kind in ('run_failed', 'run_succeeded', 'freshness_breach', 'test_warning')),
    severity text not null check (severity in ('info', 'warning', 'error')),
    run_id bigint references warehouse.pipeline_runs (run_id) on delete set null,
    title text not null,
    payload jsonb not null default '{}',
    dedupe_key text unique,
    status text not null default 'pending' check (status in ('pending', 'delivered', 'dead')),
    attempts integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_error text,
    created_at timestamptz not null default now(),
    delivered_at timestamptz,
    check (status <> 'delivered' or delivered_at is not null)
);

create index alert_outbox_due_idx on warehouse.alert_outbox (next_attempt_at) where status = 'pending';

comment on table warehouse.alert_outbox is
    'Messages for Slack, one row per alert: written in the transaction of the event, delivered by the warehouse-alerts function.';
comment on column warehouse.alert_outbox.alert_id is 'Alert id; delivery is idempotent by it.';
comment on column warehouse.alert_outbox.kind is 'run_failed, run_succeeded (the daily summary), freshness_breach, test_warning.';
comment on column warehouse.alert_outbox.severity is 'info, warning or error.';
comment on column warehouse.alert_outbox.run_id is 'The pipeline run it is about, if any.';
comment on column warehouse.alert_outbox.title is 'One-line headline.';
comment on column warehouse.alert_outbox.payload is
    'Facts for the message: run id, status, failing tests with counts, warnings, freshness age, rows per layer. Never PII.';
comment on column warehouse.alert_outbox.dedupe_key is 'Alerts with the same key are one alert (e.g. one freshness breach per test per day).';
comment on column warehouse.alert_outbox.status is 'pending, delivered, or dead (gave up after max attempts).';
comment on column warehouse.alert_outbox.attempts is 'Delivery attempts so far (claims).';
comment on column warehouse.alert_outbox.next_attempt_at is 'Not claimed before this time: the lease of a claim, or the backoff after a failure.';
comment on column warehouse.alert_outbox.last_error is 'Why the last attempt failed.';
comment on column warehouse.alert_outbox.created_at is 'When the event happened.';
comment on column warehouse.alert_outbox.delivered_at is 'When Slack accepted it.';

create table warehouse.alert_settings (
    setting_name text primary key,
    value numeric not null,
    description text not null
);

comment on table warehouse.alert_settings is 'Delivery rules of the alert outbox; one row per rule.';
comment on column warehouse.alert_settings.setting_name is 'Rule name.';
comment on column warehouse.alert_settings.value is 'Its value.';
comment on column warehouse.alert_settings.description is 'What it means.';

insert into warehouse.alert_settings (setting_name, value, description)
values
    ('lease_seconds', 120, 'A claimed alert is not claimed again for this long (the drainer is posting it).'),
    ('backoff_base_seconds', 30, 'After the n-th failed attempt, wait base * 2^(n-1) seconds ...'),
    ('backoff_max_seconds', 3600, '... but never longer than this.'),
    ('max_attempts', 12, 'After this many failed attempts the alert is dead (and stays visible in the outbox).');

create function warehouse.alert_setting(p_setting_name text)
returns numeric
language sql
stable
set search_path = ''
as $$
    select value from warehouse.alert_settings where setting_name = p_setting_name
$$;

comment on function warehouse.alert_setting(text) is 'The value of a rule in warehouse.alert_settings.';

create function warehouse.enqueue_alert(
    p_kind text,
    p_severity text,
    p_title text,
    p_payload jsonb,
    p_run_id bigint default null,
    p_dedupe_key text default null
)
returns uuid
language sql
set search_path = ''
as $$
    insert into warehouse.alert_outbox (kind, severity, title, payload, run_id, dedupe_key)
    values (p_kind, p_severity, p_title, p_payload, p_run_id, p_dedupe_key)
    on conflict (dedupe_key) do nothing
    returning alert_id
$$;

comment on function warehouse.enqueue_alert(text, text, text, jsonb, bigint, text) is
    'Puts one message into the outbox (in the caller''s transaction). With a dedupe key already used, does nothing and returns NULL.';

create function warehouse.claim_alerts(p_limit integer default 20)
returns setof warehouse.alert_outbox
language sql
set search_path = ''
as $$
    update warehouse.alert_outbox as a
    set attempts = a.attempts + 1,
        next_attempt_at = now() + make_interval(secs => warehouse.alert_setting('lease_seconds'))
    where a.alert_id in (
        select o.alert_id
        from warehouse.alert_outbox as o
        where o.status = 'pending' and o.next_attempt_at <= now()
        order by o.created_at
        limit p_limit
        for update skip locked
    )
    returning a.*
$$;

comment on function warehouse.claim_alerts(integer) is
    'Claims up to p_limit due pending alerts for delivery, oldest first: counts the attempt and leases them, so a '
    'concurrent drainer skips them. Deliver, then call mark_alert_delivered or mark_alert_failed.';

create function warehouse.mark_alert_delivered(p_alert_id uuid)
returns boolean
language sql
set search_path = ''
as $$
    update warehouse.alert_outbox
    set status = 'delivered', delivered_at = now(), last_error = null
    where alert_id = p_alert_id and status = 'pending'
    returning true
$$;

comment on function warehouse.mark_alert_delivered(uuid) is 'Marks an alert delivered; false (NULL) if it was not pending.';

create function warehouse.mark_alert_failed(p_alert_id uuid, p_error text)
returns warehouse.alert_outbox
language sql
set search_path = ''
as $$
    update warehouse.alert_outbox as a
    set last_error = left(p_error, 1000),
        status = case when a.attempts >= warehouse.alert_setting('max_attempts') then 'dead' else 'pending' end,
        next_attempt_at = now() + make_interval(secs => least(
            warehouse.alert_setting('backoff_base_seconds') * power(2, greatest(a.attempts - 1, 0)),
            warehouse.alert_setting('backoff_max_seconds')))
    where a.alert_id = p_alert_id and a.status = 'pending'
    returning a.*
$$;

comment on function warehouse.mark_alert_failed(uuid, text) is
    'Records a failed delivery: retry after base * 2^(attempts-1) seconds (capped), or dead after max_attempts.';

-- What enqueues alerts
create function warehouse.layer_row_counts()
returns jsonb
language sql
stable
set search_path = ''
as $$
    select jsonb_object_agg(n.nspname, coalesce(s.total, 0))
    from (values ('raw'), ('staging'), ('marts')) as n (nspname)
    left join (
        select c.relnamespace::regnamespace::text as nspname, sum(greatest(c.reltuples, 0))::bigint as total
        from pg_catalog.pg_class as c
        where c.relnamespace::regnamespace::text in ('raw', 'staging', 'marts') and c.relkind = 'r'
        group by 1
    ) as s on s.nspname = n.nspname
$$;

comment on function warehouse.layer_row_counts() is 'Approximate rows per layer (planner statistics, no scans), for summaries.';

create function warehouse.run_alert_payload(p_run_id bigint)
returns jsonb
language sql
stable
set search_path = ''
as $$
    select jsonb_build_object(
        'run_id', r.run_id,
        'status', r.status,
        'full_refresh', r.full_refresh,
        'started_at', r.started_at,
        'finished_at', r.finished_at,
        'error', r.error,
        'failing_tests', coalesce((
            select jsonb_agg(jsonb_build_object('test_name', q.test_name, 'model_name', q.model_name,
                'failing_rows', q.failing_rows, 'message', q.message) order by q.test_name)
            from warehouse.quality_test_results as q
            where q.run_id = r.run_id and q.status in ('fail', 'error') and q.severity = 'error'), '[]'),
        'warnings', coalesce((
            select jsonb_agg(jsonb_build_object('test_name', q.test_name, 'failing_rows', q.failing_rows, 'message', q.message)
                order by q.test_name)
            from warehouse.quality_test_results as q
            where q.run_id = r.run_id and q.status = 'warn'), '[]'),
        'tests_run', (select count(*) from warehouse.quality_test_results as q where q.run_id = r.run_id and q.status <> 'skipped'),
        'failed_steps', coalesce((
            select jsonb_agg(jsonb_build_object('step', s.step_name, 'target', s.target, 'error', s.error) order by s.step_id)
            from warehouse.pipeline_steps as s where s.run_id = r.run_id and s.status = 'failed'), '[]'),
        'rows_per_layer', warehouse.layer_row_counts()
    )
    from warehouse.pipeline_runs as r
    where r.run_id = p_run_id
$$;

comment on function warehouse.run_alert_payload(bigint) is 'The facts of a run for its alert: status, failing tests with counts, warnings, failed steps, rows per layer.';

create function warehouse.enqueue_run_alert()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
    v_payload jsonb := warehouse.run_alert_payload(new.run_id);
begin
    if new.status = 'failed' then
        perform warehouse.enqueue_alert('run_failed', 'error',
            format('Warehouse run %s failed', new.run_id), v_payload, new.run_id, format('run:%s', new.run_id));
    elsif new.status = 'succeeded' then
        perform warehouse.enqueue_alert('run_succeeded',
            case when jsonb_array_length(v_payload -> 'warnings') > 0 then 'warning' else 'info' end,
            format('Warehouse run %s succeeded', new.run_id), v_payload, new.run_id, format('run:%s', new.run_id));
    end if;
    return null;
end;
$$;

comment on function warehouse.enqueue_run_alert() is
    'Trigger: when a run finishes, one alert in the same transaction — run_failed (naming the failing tests) or '
    'run_succeeded (the daily summary, listing warnings).';

create trigger pipeline_runs_enqueue_alert
    after update of status on warehouse.pipeline_runs
    for each row
    when (old.status = 'running' and new.status in ('succeeded', 'failed'))
    execute function warehouse.enqueue_run_alert();
