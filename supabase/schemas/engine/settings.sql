-- Settings: the pipeline's own knobs, as data (no server setting is needed: the pipeline sets
-- work_mem and maintenance_work_mem for itself, step by step, from here). Change one with an UPDATE in a
-- migration; warehouse.pipeline_setting reads it.
create table warehouse.pipeline_settings (
    setting_name text primary key,
    value text not null,
    description text not null
);

comment on table warehouse.pipeline_settings is
    'The pipeline''s settings, one row per setting: memory per step, the time budget of a backfill run, how often '
    'the full quality sweep runs.';
comment on column warehouse.pipeline_settings.setting_name is 'The setting.';
comment on column warehouse.pipeline_settings.value is 'Its value, as text (a size such as 64MB, or an interval).';
comment on column warehouse.pipeline_settings.description is 'What it controls, in one sentence.';

insert into warehouse.pipeline_settings (setting_name, value, description)
values
    ('step_work_mem', '64MB',
        'work_mem of each step of a daily run (sorts and hashes of a model''s recomputation); set per step with set_config.'),
    ('backfill_work_mem', '256MB',
        'work_mem of each step of a backfill (a first load or full refresh sorts and hashes whole tables).'),
    ('maintenance_work_mem', '256MB',
        'maintenance_work_mem of the pipeline''s steps (ANALYZE samples, index builds).'),
    ('jit', 'off',
        'JIT compilation in the pipeline''s steps: off, as its compile time (1-1.5 s a large step) outweighs what it saves here.'),
    ('backfill_time_budget', '8 minutes',
        'A backfill run starts no new step after this long, ends as partial, and the next run continues it '
        '(Supabase Cron: a job should end within 10 minutes).');

create function warehouse.pipeline_setting(p_setting_name text)
returns text
language sql
stable
set search_path = ''
as $$
    select s.value from warehouse.pipeline_settings as s where s.setting_name = p_setting_name
$$;

comment on function warehouse.pipeline_setting(text) is 'The value of a setting in warehouse.pipeline_settings (NULL if unknown).';

create function warehouse.apply_step_settings(p_backfill boolean)
returns void
language sql
volatile
set search_path = ''
as $$
    select set_config('work_mem',
               warehouse.pipeline_setting(case when p_backfill then 'backfill_work_mem' else 'step_work_mem' end), true),
           set_config('maintenance_work_mem', warehouse.pipeline_setting('maintenance_work_mem'), true),
           set_config('jit', warehouse.pipeline_setting('jit'), true)
$$;

comment on function warehouse.apply_step_settings(boolean) is
    'Sets work_mem, maintenance_work_mem and jit for the rest of the current transaction from warehouse.pipeline_settings '
    '(the backfill''s or the daily run''s): every pipeline step calls it, so the pipeline never depends on server settings.';
