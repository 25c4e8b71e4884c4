// End-to-end: the KPI views read pre-aggregated marts (marts/<domain>/aggregates/), kept up to date
// incrementally by the pipeline, and return exactly what they computed from the facts at query time before.
// The independent computation is each view's former SQL, kept here (not in the schema) and run over the
// facts as the analyst role, where row-level security hides the users who opted out. Compared after a
// first run on synthetic data, after a day of change (logins, an opt-out and an opt-in, a sign-up, a soft
// delete, deleted sessions and logins, late events for older days, pet records) and its incremental run,
// after a run with one login, which recomputes only the days, weeks and cohorts that login changes, and
// after an erasure (forget_user recounts the aggregates without the user before it deletes their rows).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startThrowaway, type Throwaway } from "../../scripts/lib/throwaway.ts";
import { asAnalyst, connect, npmRunOk } from "./helpers.ts";

let db: Throwaway;
let sql: ReturnType<typeof connect>;

/** The KPI and publishable views as they were computed from the facts at query time: the independent computation. */
const fromTheFacts: Record<string, string> = {
  kpi_active_users: `
    with logins as (
        select a.user_id, a.activity_date
        from marts.marts_core_user_activity_daily as a
        where a.login_count > 0 and a.activity_date >= current_date - 120
    ),
    -- A login on day d makes the user weekly-active on d..d+6 and monthly-active on d..d+29. Merge each
    -- user's overlapping spans (islands), then count spans covering each day with +1/-1 events.
    gaps as (
        select l.user_id, l.activity_date, w.window_days,
               case when l.activity_date - lag(l.activity_date) over (partition by l.user_id, w.window_days order by l.activity_date)
                         <= w.window_days then 0 else 1 end as starts_island
        from logins as l
        cross join (values (1), (7), (30)) as w (window_days)
    ),
    spans as (
        select g.user_id, g.activity_date, g.window_days,
               sum(g.starts_island) over (partition by g.user_id, g.window_days order by g.activity_date) as island
        from gaps as g
    ),
    islands as (
        select s.window_days, min(s.activity_date) as first_day, max(s.activity_date) + s.window_days as end_day
        from spans as s
        group by s.user_id, s.window_days, s.island
    ),
    deltas as (
        select window_days, first_day as day, 1 as delta from islands
        union all
        select window_days, end_day, -1 from islands
    ),
    running as (
        select d.window_days, d.day, sum(sum(d.delta)) over (partition by d.window_days order by d.day) as active_users
        from deltas as d
        group by d.window_days, d.day
    ),
    days as (
        select g::date as activity_date from generate_series(current_date - 90, current_date, interval '1 day') as g
    ),
    per_day as (
        select
            days.activity_date,
            coalesce((select r.active_users from running as r where r.window_days = 1 and r.day <= days.activity_date order by r.day desc limit 1), 0) as dau,
            coalesce((select r.active_users from running as r where r.window_days = 7 and r.day <= days.activity_date order by r.day desc limit 1), 0) as wau,
            coalesce((select r.active_users from running as r where r.window_days = 30 and r.day <= days.activity_date order by r.day desc limit 1), 0) as mau
        from days
    )
    select
        p.activity_date,
        p.dau::bigint as dau,
        p.wau::bigint as wau,
        p.mau::bigint as mau,
        round(p.dau / nullif(p.mau, 0), 4) as stickiness
    from per_day as p`,
  kpi_auth_funnel: `
    select
        date_trunc('week', e.event_date)::date as week,
        coalesce(e.auth_method, 'unknown') as auth_method,
        count(*) filter (where e.is_login_attempt) as login_attempts,
        count(*) filter (where e.is_login_success) as login_successes,
        count(*) filter (where e.is_login_failure) as login_failures,
        round((count(*) filter (where e.is_login_failure))::numeric / nullif(count(*) filter (where e.is_login_attempt), 0), 4) as failure_rate,
        count(*) filter (where e.is_token_refresh) as token_refreshes
    from marts.marts_core_auth_events as e
    where e.event_date >= date_trunc('week', current_date) - interval '12 weeks'
    group by 1, 2`,
  kpi_lifecycle_movement: `
    select
        date_trunc('week', t.changed_on)::date as week,
        coalesce(t.from_stage, '(new)') as from_stage,
        t.to_stage,
        count(*)::bigint as users
    from marts.marts_core_lifecycle_transitions as t
    group by 1, 2, 3`,
  kpi_signup_cohort_retention: `
    with cohorts as (
        select d.user_id, date_trunc('week', d.created_at at time zone 'UTC')::date as cohort_week
        from marts.marts_core_dim_users as d
        where d.created_at >= date_trunc('week', current_date) - interval '12 weeks'
    ),
    sizes as (
        select c.cohort_week, count(*) as cohort_size from cohorts as c group by c.cohort_week
    ),
    active as (
        select c.cohort_week, (date_trunc('week', a.activity_date)::date - c.cohort_week) / 7 as weeks_since_signup,
               count(distinct a.user_id) as retained_users
        from cohorts as c
        join marts.marts_core_user_activity_daily as a on a.user_id = c.user_id and a.login_count > 0
        group by 1, 2
    )
    select s.cohort_week, a.weeks_since_signup, s.cohort_size::bigint as cohort_size, a.retained_users::bigint as retained_users,
           round(a.retained_users::numeric / s.cohort_size, 4) as retention_rate
    from sizes as s
    join active as a on a.cohort_week = s.cohort_week
    where a.weeks_since_signup >= 0`,
  published_signup_cohorts: `
    select d.signup_cohort, d.lifecycle_stage, count(*)::bigint as user_count
    from marts.marts_core_dim_users as d
    where d.deleted_at is null
    group by d.signup_cohort, d.lifecycle_stage
    having count(*) >= marts.k_anonymity_min_group()`,
  kpi_auth_method_adoption: `
    select d.preferred_auth_method, count(*)::bigint as user_count
    from marts.marts_core_dim_users as d
    where d.deleted_at is null
    group by d.preferred_auth_method`,
  kpi_lifecycle_distribution: `
    select d.lifecycle_stage, count(*)::bigint as user_count,
           round(100.0 * count(*) / sum(count(*)) over (), 2) as pct
    from marts.marts_core_dim_users as d
    where d.deleted_at is null
    group by d.lifecycle_stage`,
  published_users_by_email_domain: `
    with by_domain as (
        select d.email_domain, count(*) as user_count
        from marts.marts_core_dim_users as d
        where d.deleted_at is null
        group by d.email_domain
    ),
    bucketed as (
        select
            case when b.user_count >= marts.k_anonymity_min_group() then b.email_domain else 'other' end as email_domain,
            b.user_count
        from by_domain as b
    )
    select b.email_domain, sum(b.user_count)::bigint as user_count
    from bucketed as b
    group by b.email_domain
    having sum(b.user_count) >= marts.k_anonymity_min_group()`,
  kpi_feature_adoption: `
    with window_usage as (
        select f.user_id, f.feature_name, f.usage_count, f.time_spent_seconds
        from marts.marts_product_feature_usage as f
        where f.usage_date > current_date - 30
    ),
    active_users as (
        select w.user_id from window_usage as w
        union
        select e.user_id from marts.marts_product_funnel_events as e
        where (e.reached_at at time zone 'UTC')::date > current_date - 30
        union
        select a.user_id from marts.marts_core_user_activity_daily as a
        where a.activity_date > current_date - 30 and a.login_count > 0
    ),
    active_count as (
        select count(*) as active_users from active_users
    ),
    per_feature as (
        select w.feature_name, count(distinct w.user_id) as users, sum(w.usage_count) as total_usage,
               sum(w.time_spent_seconds) as total_time
        from window_usage as w
        group by w.feature_name
    ),
    final as (
        select
            p.feature_name,
            p.users::bigint as users_last_30_days,
            a.active_users::bigint as active_users_last_30_days,
            round(p.users::numeric / nullif(a.active_users, 0), 4) as adoption_rate,
            p.total_usage::bigint as total_usage,
            p.total_time::bigint as total_time_spent_seconds,
            round(p.total_time::numeric / nullif(p.total_usage, 0), 1) as avg_seconds_per_use,
            round(p.total_time::numeric / nullif(p.users, 0), 1) as avg_seconds_per_user
        from per_feature as p
        cross join active_count as a
    )
    select * from final`,
  kpi_funnel_conversion: `
    with steps as (
        select e.funnel_name, e.step_number, e.step_name, count(distinct e.user_id) as users_reached
        from marts.marts_product_funnel_events as e
        group by e.funnel_name, e.step_number, e.step_name
    ),
    final as (
        select
            s.funnel_name,
            s.step_number,
            s.step_name,
            s.users_reached::bigint as users_reached,
            p.users_reached::bigint as users_previous_step,
            round(s.users_reached::numeric / nullif(p.users_reached, 0), 4) as conversion_from_previous,
            (p.users_reached - s.users_reached)::bigint as drop_off_from_previous,
            round(1 - s.users_reached::numeric / nullif(p.users_reached, 0), 4) as drop_off_rate_from_previous,
            round(s.users_reached::numeric / nullif(f.users_reached, 0), 4) as overall_conversion
        from steps as s
        left join steps as p on p.funnel_name = s.funnel_name and p.step_number = s.step_number - 1
        left join steps as f on f.funnel_name = s.funnel_name and f.step_number = 1
    )
    select * from final`,
  kpi_vaccination_compliance: `
    with pets as (
        select d.species, d.vaccination_status
        from marts.marts_pets_dim_pets as d
        where d.deleted_at is null
    ),
    final as (
        select
            p.species,
            count(*)::bigint as pet_count,
            (count(*) filter (where p.vaccination_status = 'up_to_date'))::bigint as up_to_date_count,
            (count(*) filter (where p.vaccination_status = 'overdue'))::bigint as overdue_count,
            (count(*) filter (where p.vaccination_status = 'no_record'))::bigint as no_record_count,
            round((count(*) filter (where p.vaccination_status = 'up_to_date'))::numeric / count(*), 4) as up_to_date_share
        from pets as p
        group by p.species
    )
    select * from final`,
  kpi_reminder_effectiveness: `
    with due as (
        select c.task_type, c.reminder_sent, c.status, c.completed_on_time
        from marts.marts_pets_care_schedule as c
        where c.due_on < current_date
    ),
    final as (
        select
            d.task_type,
            d.reminder_sent,
            count(*)::bigint as tasks_due,
            (count(*) filter (where d.status = 'completed'))::bigint as completed,
            (count(*) filter (where d.completed_on_time))::bigint as completed_on_time,
            (count(*) filter (where d.status = 'skipped'))::bigint as skipped,
            round((count(*) filter (where d.completed_on_time))::numeric / count(*), 4) as on_time_rate
        from due as d
        group by d.task_type, d.reminder_sent
    )
    select * from final`,
  kpi_weight_trends: `
    with weighins as (
        select date_trunc('month', w.weighed_on)::date as weigh_month, w.species, w.life_stage, w.pet_id, w.weight_kg
        from marts.marts_pets_weight_history as w
    ),
    final as (
        select
            w.weigh_month,
            w.species,
            w.life_stage,
            count(*)::bigint as weigh_ins,
            count(distinct w.pet_id)::bigint as pets,
            round(avg(w.weight_kg), 2) as avg_weight_kg
        from weighins as w
        group by w.weigh_month, w.species, w.life_stage
    )
    select * from final`,
};

type Row = Record<string, unknown>;
/** Rows as sorted lines of text, so that two computations compare regardless of order and driver types. */
const lines = (rows: Row[]) => rows.map((r) => JSON.stringify(Object.values(r).map((v) => (v === null ? null : String(v))))).sort();

/** Every KPI and publishable view, as the analyst role reads it, against its computation from the facts. */
async function assertViewsEqualTheFacts(when: string) {
  const views = await sql<{ relname: string }[]>`
    select c.relname from pg_class as c
    where c.relnamespace = 'marts'::regnamespace and c.relkind = 'v' and c.relname ~ '^(kpi|published)_'
    order by 1`;
  assert.deepEqual(views.map((v) => v.relname).sort(), Object.keys(fromTheFacts).sort(), "every KPI view should have its computation here");
  for (const { relname } of views) {
    const columns = await sql<{ attname: string }[]>`
      select a.attname from pg_attribute as a
      where a.attrelid = ${`marts.${relname}`}::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`;
    const list = columns.map((c) => `"${c.attname}"`).join(", ");
    const view = await asAnalyst<Row>(sql, `select ${list} from marts.${relname}`);
    const facts = await asAnalyst<Row>(sql, `select ${list} from (${fromTheFacts[relname]}) as facts`);
    assert.deepEqual(lines(view), lines(facts), `${when}: ${relname} should equal its computation from the facts`);
  }
}

/** Every KPI and publishable view as the analyst role reads it now, as sorted lines per view. */
async function snapshot(): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const name of Object.keys(fromTheFacts)) out.set(name, lines(await asAnalyst<Row>(sql, `select * from marts.${name}`)));
  return out;
}

/** Rows in (keys touched) of each model step of the latest run. */
async function touchedKeys(): Promise<Map<string, number>> {
  const steps = await sql<{ target: string; rows_in: string }[]>`
    select target, rows_in from warehouse.pipeline_steps
    where run_id = (select max(run_id) from warehouse.pipeline_runs) and step_name = 'model'`;
  return new Map(steps.map((s) => [s.target, Number(s.rows_in)]));
}

before(async () => {
  db = await startThrowaway("kpi-aggregates-e2e", { synth: ["--users", "2000"] });
  sql = connect(db.url);
  npmRunOk("pipeline", [], { DATABASE_URL: db.url });
});

after(async () => {
  await sql?.end();
  db?.stop();
});

test("kpi aggregates - after the first run, every KPI view as an analyst equals its computation from the facts", async () => {
  const [run] = await sql`select status from warehouse.pipeline_runs order by run_id desc limit 1`;
  assert.equal(run.status, "succeeded");
  const [counts] = await sql`
    select (select count(*)::int from marts.marts_core_active_users_daily) as days,
           (select count(*)::int from marts.marts_core_signup_cohort_retention) as cohort_weeks,
           (select count(*)::int from public.users where analytics_opt_out) as opted_out`;
  assert.ok(counts.days > 300, "the active-users aggregate should hold a year of days");
  assert.ok(counts.cohort_weeks > 100, "the retention aggregate should hold many cohort weeks");
  assert.ok(counts.opted_out > 0, "some users should have opted out, so that privacy is tested");
  const [kpi] = await asAnalyst<Row>(sql, "select dau, mau from kpi_active_users where activity_date = current_date - 1");
  assert.ok(Number(kpi.dau) > 0 && Number(kpi.mau) > Number(kpi.dau), "yesterday should have daily and monthly actives");
  await assertViewsEqualTheFacts("first run");
});

test("kpi aggregates - after a day of change and an incremental run, every KPI view still equals its computation from the facts", async () => {
  const before = await snapshot();
  await sql.begin(async (tx) => {
    // An active user with pets opts out; one who had opted out opts back in; one user is soft-deleted.
    await tx`
      update public.users set analytics_opt_out = true
      where id = (
          select u.id from public.users as u
          where not u.analytics_opt_out and u.deleted_at is null and exists (select 1 from public.pets as p where p.owner_user_id = u.id)
          order by (select count(*) from public.auth_events as e
                    where e.user_id = u.id and e.event_type = 'login_success' and e.occurred_at > now() - interval '60 days') desc, u.id
          limit 1)`;
    await tx`
      update public.users set analytics_opt_out = false
      where id = (
          select u.id from public.users as u
          where u.analytics_opt_out and exists (select 1 from public.auth_events as e where e.user_id = u.id and e.event_type = 'login_success')
          order by u.id limit 1)`;
    await tx`
      update public.users set deleted_at = now() - interval '1 hour'
      where id = (select u.id from public.users as u where u.deleted_at is null and not u.analytics_opt_out order by u.id desc limit 1)`;
    // Twenty users log in today, with a session and a feature use.
    await tx`
      with picked as (
          select u.id from public.users as u where u.deleted_at is null order by md5(u.id::text) limit 20
      ),
      sessions as (
          insert into public.sessions (user_id, started_at, last_activity_at, ended_at, device_type, auth_method, api_calls_count, features_used)
          select p.id, now() - interval '50 minutes', now() - interval '40 minutes', now() - interval '30 minutes', 'web', 'email', 7, '{health_log}'
          from picked as p
          returning user_id, started_at
      ),
      logins as (
          insert into public.auth_events (user_id, event_type, auth_method, occurred_at)
          select s.user_id, 'login_success', 'email', s.started_at from sessions as s
          returning user_id, occurred_at
      )
      insert into public.product_events (user_id, event_name, feature_name, duration_seconds, occurred_at)
      select l.user_id, 'feature_used', 'health_log', 45, l.occurred_at + interval '1 minute' from logins as l`;
    // A new user signs up, logs in, starts onboarding, uses a feature and adds a pet with a vaccine.
    const [{ id: newUser }] = await tx`
      insert into public.users (email, preferred_auth_method, created_at, updated_at, last_login_at)
      values ('kpi.newcomer@example.com', 'google', now() - interval '2 hours', now() - interval '2 hours', now() - interval '90 minutes')
      returning id`;
    await tx`insert into public.auth_events (user_id, event_type, auth_method, occurred_at)
             values (${newUser}, 'login_success', 'google', now() - interval '90 minutes')`;
    await tx`insert into public.product_events (user_id, event_name, funnel_name, funnel_step, step_number, occurred_at)
             values (${newUser}, 'funnel_step', 'onboarding', 'signup', 1, now() - interval '2 hours'),
                    (${newUser}, 'funnel_step', 'onboarding', 'add_pet', 2, now() - interval '80 minutes')`;
    await tx`insert into public.product_events (user_id, event_name, feature_name, duration_seconds, occurred_at)
             values (${newUser}, 'feature_used', 'pet_profile', 120, now() - interval '75 minutes')`;
    const [{ id: newPet }] = await tx`
      insert into public.pets (owner_user_id, name, species, birth_date, sex)
      values (${newUser}, 'Pixel', 'cat', current_date - 400, 'female') returning id`;
    await tx`insert into public.health_events (pet_id, event_type, vaccine_name, occurred_on, next_due_on)
             values (${newPet}, 'vaccine', 'rabies', current_date - 1, current_date + 364)`;
    await tx`insert into public.pet_weights (pet_id, weighed_on, weight_kg) values (${newPet}, current_date - 1, 4.20)`;
    // Deleted rows: three sessions of the last week, and two logins of three days ago.
    await tx`delete from public.sessions where id in (
               select id from public.sessions where started_at > now() - interval '7 days' order by id limit 3)`;
    await tx`delete from public.auth_events where id in (
               select id from public.auth_events
               where event_type = 'login_success' and (occurred_at at time zone 'UTC')::date = current_date - 3
               order by id limit 2)`;
    // Late events for older days: logins 25 days ago, feature uses 12 days ago, funnel steps reached a day
    // earlier than first recorded, a weigh-in 40 days ago, a care task's reminder and completion.
    await tx`
      insert into public.auth_events (user_id, event_type, auth_method, occurred_at)
      select u.id, 'login_success', 'apple', (current_date - 25)::timestamp at time zone 'UTC' + interval '9 hours'
      from public.users as u
      where u.created_at < current_date - 30
        and not exists (select 1 from public.auth_events as e where e.user_id = u.id and e.event_type = 'login_success'
                        and (e.occurred_at at time zone 'UTC')::date = current_date - 25)
      order by md5(u.id::text) desc limit 5`;
    await tx`
      insert into public.product_events (user_id, event_name, feature_name, duration_seconds, occurred_at)
      select u.id, 'feature_used', 'vet_finder', 30, (current_date - 12)::timestamp at time zone 'UTC' + interval '15 hours'
      from public.users as u where u.created_at < current_date - 30 order by md5(u.id::text) limit 5`;
    await tx`
      insert into public.product_events (user_id, event_name, funnel_name, funnel_step, step_number, occurred_at)
      select e.user_id, 'funnel_step', e.funnel_name, e.funnel_step, e.step_number, e.occurred_at - interval '1 day'
      from public.product_events as e
      where e.event_name = 'funnel_step' and e.step_number = 2 and e.occurred_at > now() - interval '60 days'
        and exists (select 1 from public.product_events as p
                    where p.user_id = e.user_id and p.funnel_name = e.funnel_name and p.step_number = 1
                      and p.occurred_at < e.occurred_at - interval '2 days')
      order by e.id limit 3`;
    await tx`
      insert into public.pet_weights (pet_id, weighed_on, weight_kg)
      select p.id, current_date - 40, 7.5 from public.pets as p order by p.id limit 2`;
    await tx`
      update public.care_tasks set reminder_sent_at = (due_on - 2)::timestamp at time zone 'UTC', completed_at = due_on::timestamp at time zone 'UTC' + interval '10 hours', status = 'completed'
      where id in (select id from public.care_tasks where due_on between current_date - 20 and current_date - 2 and status = 'scheduled' order by id limit 3)`;
  });
  npmRunOk("pipeline", [], { DATABASE_URL: db.url });
  const [run] = await sql`select status from warehouse.pipeline_runs order by run_id desc limit 1`;
  assert.equal(run.status, "succeeded");
  await assertViewsEqualTheFacts("after a day of change");
  // The day of change reached every view it should have: the comparison above compared new numbers.
  const after = await snapshot();
  const changed = [...after.keys()].filter((name) => JSON.stringify(after.get(name)) !== JSON.stringify(before.get(name)));
  for (const name of ["kpi_active_users", "kpi_auth_funnel", "kpi_signup_cohort_retention", "published_signup_cohorts", "kpi_feature_adoption",
    "kpi_funnel_conversion", "kpi_vaccination_compliance", "kpi_reminder_effectiveness", "kpi_weight_trends", "kpi_lifecycle_distribution"]) {
    assert.ok(changed.includes(name), `the day of change should have changed ${name}`);
  }
});

test("kpi aggregates - a run with one login recomputes only the days, weeks and cohorts that login changes", async () => {
  await sql`
    insert into public.auth_events (user_id, event_type, auth_method, occurred_at)
    select u.id, 'login_success', 'email', now() - interval '5 minutes'
    from public.users as u where not u.analytics_opt_out and u.deleted_at is null order by u.id limit 1`;
  npmRunOk("pipeline", [], { DATABASE_URL: db.url });
  const touched = await touchedKeys();
  assert.equal(touched.get("marts_core_active_users_daily"), 30, "a login counts on its day and the 29 after it, and nowhere else");
  assert.equal(touched.get("marts_product_feature_adoption_daily"), 30, "the same 30 windows of feature adoption");
  assert.equal(touched.get("marts_core_signup_cohort_retention"), 1, "one (cohort, week since sign-up)");
  assert.equal(touched.get("marts_core_auth_funnel_daily"), 1, "one day of the auth funnel");
  assert.equal(touched.get("marts_core_signup_cohorts"), 0, "no cohort gained or lost a user");
  await assertViewsEqualTheFacts("after one login");
});

test("kpi aggregates - an erased user leaves every count at once, and the next run still publishes", async () => {
  const [user] = await sql`
    select u.id::text as id from public.users as u
    where not u.analytics_opt_out and exists (select 1 from public.pets as p where p.owner_user_id = u.id)
    order by (select count(*) from public.auth_events as e where e.user_id = u.id and e.event_type = 'login_success') desc, u.id
    limit 1`;
  await sql`select warehouse.forget_user(${user.id}::uuid)`;
  // What the facts say now that the user's rows are gone from them.
  await assertViewsEqualTheFacts("right after an erasure");
  npmRunOk("pipeline", [], { DATABASE_URL: db.url });
  await assertViewsEqualTheFacts("after an erasure and a run");
});
