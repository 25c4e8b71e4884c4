// End-to-end: synthetic pets → npm run pipeline (every quality test passes) → each pets mart and the
// vaccination-compliance view equal an independent computation written here, straight from
// public.pets / pet_weights / health_events / care_tasks (as an analyst: without the owners who opted
// out); then `npm run warehouse -- forget <owner> --yes` erases the owner's pets from every layer.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startThrowaway, type Throwaway } from "../../scripts/lib/throwaway.ts";
import { asAnalyst, connect, npmRun, npmRunOk } from "./helpers.ts";

let db: Throwaway;
let sql: ReturnType<typeof connect>;

before(async () => {
  db = await startThrowaway("pets-e2e", { synth: ["--users", "1500"] });
  sql = connect(db.url);
  npmRunOk("pipeline", [], { DATABASE_URL: db.url });
});

after(async () => {
  await sql?.end();
  db?.stop();
});

type Row = Record<string, unknown>;
const norm = (rows: Row[]) =>
  rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [
        k,
        typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v instanceof Date ? v.toISOString().slice(0, 10) : v,
      ]),
    ),
  );

// The rules, restated independently of the warehouse's definitions tables.
const lifeStageSql = (species: string, months: string) => `
  case
    when ${months} is null then 'unknown'
    when ${species} = 'dog' then case when ${months} < 12 then 'puppy' when ${months} < 84 then 'adult' else 'senior' end
    when ${species} = 'cat' then case when ${months} < 12 then 'kitten' when ${months} < 132 then 'adult' else 'senior' end
    when ${species} = 'rabbit' then case when ${months} < 6 then 'juvenile' when ${months} < 72 then 'adult' else 'senior' end
    when ${species} = 'bird' then case when ${months} < 12 then 'juvenile' when ${months} < 120 then 'adult' else 'senior' end
    else case when ${months} < 12 then 'juvenile' when ${months} < 96 then 'adult' else 'senior' end
  end`;
const ageMonthsSql = (birth: string, asOf: string) =>
  `(extract(year from age(${asOf}, ${birth})) * 12 + extract(month from age(${asOf}, ${birth})))::int`;

const attentionSql = `
  with pets as (
      select p.id, p.owner_user_id, p.species, ${ageMonthsSql("p.birth_date", "current_date")} as months
      from public.pets as p join public.users as u on u.id = p.owner_user_id
      where p.deleted_at is null and u.deleted_at is null
  ),
  latest as (
      select distinct on (e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name))
             e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name) as subject, e.next_due_on
      from public.health_events as e join pets on pets.id = e.pet_id
      where e.event_type in ('vaccine', 'medication')
      order by e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name), e.occurred_on desc, e.next_due_on desc nulls last, e.id
  ),
  last_weighins as (
      select w.pet_id, w.weighed_on, w.weight_kg, row_number() over (partition by w.pet_id order by w.weighed_on desc, w.id) as n
      from public.pet_weights as w join pets on pets.id = w.pet_id
  ),
  weight_flags as (
      select l.pet_id, l.weighed_on,
             (select p2.weight_kg from last_weighins as p2
              where p2.pet_id = l.pet_id and p2.weighed_on < l.weighed_on and p2.weighed_on >= l.weighed_on - 30
              order by p2.weighed_on desc, p2.n limit 1) as previous_kg,
             l.weight_kg
      from last_weighins as l
      where l.n = 1 and l.weighed_on >= current_date - 30
  )
  select pet_id::text, reason, subject, due_on, days_overdue from (
      select pet_id, case when next_due_on < current_date then 'vaccine_overdue' else 'vaccine_due' end as reason, subject,
             next_due_on as due_on, greatest(current_date - next_due_on, 0) as days_overdue
      from latest where event_type = 'vaccine' and next_due_on <= current_date + 30
      union all
      select pet_id, 'medication_gap', subject, next_due_on, current_date - next_due_on
      from latest where event_type = 'medication' and next_due_on < current_date and next_due_on >= current_date - 60
      union all
      select f.pet_id, 'abnormal_weight_change', 'weight', f.weighed_on, 0
      from weight_flags as f join pets on pets.id = f.pet_id
      where f.previous_kg > 0 and abs(f.weight_kg - f.previous_kg) / f.previous_kg > 0.10
        and ${lifeStageSql("pets.species", "pets.months")} not in ('puppy', 'kitten', 'juvenile')
  ) as a
  order by 1, 2, 3`;

test("pets pipeline - the synthetic pets publish with every quality test passing", async () => {
  const [run] = await sql`select status, failing_tests from warehouse.pipeline_runs order by run_id desc limit 1`;
  assert.equal(run.status, "succeeded");
  const failing = await sql`
    select test_name, status from warehouse.quality_test_results
    where run_id = (select max(run_id) from warehouse.pipeline_runs) and status not in ('pass', 'skipped')
      and (model_name like '%pet%' or model_name in ('stg_supabase_health_events', 'stg_supabase_care_tasks'))`;
  assert.deepEqual([...failing], [], "no pets test should warn or fail on synthetic data");
  const [counts] = await sql`
    select (select count(*)::int from public.pets) as pets, (select count(*)::int from public.users) as users,
           (select count(*)::int from public.health_events where event_type = 'vaccine') as vaccines,
           (select count(*)::int from marts.marts_pets_attention_needed where reason = 'abnormal_weight_change') as weight_flags,
           (select count(*)::int from marts.marts_pets_attention_needed where reason = 'vaccine_overdue') as overdue`;
  assert.ok(counts.pets > counts.users * 1.1 && counts.pets < counts.users * 1.5, `about 1.3 pets per user, got ${counts.pets}`);
  assert.ok(counts.vaccines > counts.pets, "most dogs and cats should have several vaccine doses");
  assert.ok(counts.weight_flags > 0, "some abnormal weight changes should need attention");
  assert.ok(counts.overdue > 0, "some boosters should be overdue");
});

test("pets dimension - every pet's species, life stage, statuses and latest weight match the operational tables", async () => {
  const mart = await sql`
    select pet_id::text, species, life_stage, vaccination_status, health_status, vaccine_doses, latest_weight_kg::text,
           analytics_opt_out
    from marts.marts_pets_dim_pets order by pet_id`;
  const expected = await sql.unsafe(`
    with vaccines as (
        select distinct on (e.pet_id, e.vaccine_name) e.pet_id, e.next_due_on
        from public.health_events as e where e.event_type = 'vaccine'
        order by e.pet_id, e.vaccine_name, e.occurred_on desc, e.next_due_on desc nulls last, e.id
    ),
    attention as (${attentionSql}),
    pets as (
        select p.id, p.species, ${ageMonthsSql("p.birth_date", "current_date")} as months, u.analytics_opt_out,
               (select count(*) from public.health_events as e where e.pet_id = p.id and e.event_type = 'vaccine')::int as doses,
               (select min(v.next_due_on) from vaccines as v where v.pet_id = p.id) as next_due,
               (select w.weight_kg from public.pet_weights as w where w.pet_id = p.id order by w.weighed_on desc, w.id limit 1) as latest_kg
        from public.pets as p join public.users as u on u.id = p.owner_user_id
    ),
    statuses as (
        select p.*, case when p.doses = 0 then 'no_record' when p.next_due < current_date then 'overdue' else 'up_to_date' end as vs
        from pets as p
    )
    select s.id::text as pet_id, s.species, ${lifeStageSql("s.species", "s.months")} as life_stage, s.vs as vaccination_status,
           case when s.vs = 'overdue' then 'vaccine_overdue'
                when exists (select 1 from attention as a where a.pet_id = s.id::text) then 'needs_attention'
                else 'up_to_date' end as health_status,
           s.doses as vaccine_doses, s.latest_kg::text as latest_weight_kg, s.analytics_opt_out
    from statuses as s order by 1`);
  assert.ok(expected.length > 1500);
  assert.deepEqual(norm(mart), norm(expected));
});

test("pets health events - one row per health event, late doses flagged as the operational dates say", async () => {
  const mart = await sql`
    select health_event_id::text as id, event_type, event_date, is_overdue_at_time from marts.marts_pets_health_events order by 1`;
  const expected = await sql`
    select e.id::text, e.event_type, e.occurred_on as event_date,
           case when e.event_type = 'vet_visit' then false
                else coalesce(e.occurred_on > lag(e.next_due_on) over (
                    partition by e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name) order by e.occurred_on, e.id), false)
           end as is_overdue_at_time
    from public.health_events as e order by 1`;
  assert.deepEqual(norm(mart), norm(expected));
  assert.ok(expected.some((r) => r.is_overdue_at_time), "some doses should be late");
});

test("pets care schedule - completion on time, reminders and days late match the operational care tasks", async () => {
  const mart = await sql`
    select care_task_id::text as id, task_type, status, reminder_sent, completed_on_time, days_late from marts.marts_pets_care_schedule order by 1`;
  const expected = await sql`
    select t.id::text, t.task_type, t.status, t.reminder_sent_at is not null as reminder_sent,
           coalesce((t.completed_at at time zone 'UTC')::date <= t.due_on, false) as completed_on_time,
           case when t.completed_at is null then null else greatest((t.completed_at at time zone 'UTC')::date - t.due_on, 0) end as days_late
    from public.care_tasks as t order by 1`;
  assert.deepEqual(norm(mart), norm(expected));
});

test("pets attention - what needs attention today matches the due dates and weigh-ins of the operational tables", async () => {
  const mart = await sql`
    select pet_id::text, reason, subject, due_on, days_overdue from marts.marts_pets_attention_needed order by 1, 2, 3`;
  const expected = await sql.unsafe(attentionSql);
  assert.deepEqual(norm(mart), norm(expected));
});

test("pets weight history - one row per weigh-in with the change from the previous one", async () => {
  const mart = await sql`select weight_id::text as id, weight_kg::text, change_pct::text from marts.marts_pets_weight_history order by 1`;
  const expected = await sql`
    select w.id::text, w.weight_kg::text,
           round((w.weight_kg - lag(w.weight_kg) over (partition by w.pet_id order by w.weighed_on, w.id))
                 / lag(w.weight_kg) over (partition by w.pet_id order by w.weighed_on, w.id) * 100, 1)::text as change_pct
    from public.pet_weights as w order by 1`;
  assert.deepEqual(norm(mart), norm(expected));
});

test("pets KPI - vaccination compliance by species, as an analyst, leaves out the owners who opted out", async () => {
  const view = await asAnalyst<Row>(sql, "select species, pet_count, up_to_date_count, overdue_count, no_record_count from kpi_vaccination_compliance order by species");
  const expected = await sql`
    with vaccines as (
        select distinct on (e.pet_id, e.vaccine_name) e.pet_id, e.next_due_on
        from public.health_events as e where e.event_type = 'vaccine'
        order by e.pet_id, e.vaccine_name, e.occurred_on desc, e.next_due_on desc nulls last, e.id
    ),
    pets as (
        select p.species,
               case when not exists (select 1 from public.health_events as e where e.pet_id = p.id and e.event_type = 'vaccine') then 'no_record'
                    when (select min(v.next_due_on) from vaccines as v where v.pet_id = p.id) < current_date then 'overdue'
                    else 'up_to_date' end as status
        from public.pets as p join public.users as u on u.id = p.owner_user_id
        where p.deleted_at is null and not u.analytics_opt_out
    )
    select species, count(*) as pet_count, count(*) filter (where status = 'up_to_date') as up_to_date_count,
           count(*) filter (where status = 'overdue') as overdue_count, count(*) filter (where status = 'no_record') as no_record_count
    from pets group by species order by species`;
  assert.deepEqual(norm(view), norm(expected));
  const [optedOut] = await sql`
    select count(*)::int as n from public.pets as p join public.users as u on u.id = p.owner_user_id where u.analytics_opt_out`;
  assert.ok(optedOut.n > 0, "some pets should belong to owners who opted out");
  const [seen] = await asAnalyst<Row>(sql, `
    select count(*)::int as n from marts_pets_dim_pets where analytics_opt_out`);
  assert.equal(seen.n, 0, "analysts should see none of their pets");
});

test("pets erasure - forget <owner> --yes removes the owner's pets from raw, staging and marts", async () => {
  const [owner] = await sql`
    select p.owner_user_id::text as id from public.pets as p
    join public.health_events as e on e.pet_id = p.id
    join public.care_tasks as t on t.pet_id = p.id
    join public.pet_weights as w on w.pet_id = p.id
    group by 1 order by 1 limit 1`;
  const before = await sql`select table_name, row_count::int from warehouse.user_row_counts(${owner.id}) where row_count > 0`;
  assert.ok(before.some((r) => String(r.table_name).includes("marts_pets_health_events")), "the owner's pets should be in the marts first");
  const res = npmRun("warehouse", ["forget", owner.id, "--yes"], { DATABASE_URL: db.url });
  assert.equal(res.code, 0, res.stderr);
  const afterRows = await sql`select table_name, row_count::int from warehouse.user_row_counts(${owner.id}) where row_count > 0`;
  assert.deepEqual([...afterRows], []);
  const [left] = await sql`
    select (select count(*)::int from raw.raw_supabase_pets where owner_user_id = ${owner.id})
         + (select count(*)::int from marts.marts_pets_dim_pets where owner_user_id = ${owner.id}) as n`;
  assert.equal(left.n, 0);
  npmRunOk("pipeline", [], { DATABASE_URL: db.url });
  const again = await sql`select table_name, row_count::int from warehouse.user_row_counts(${owner.id}) where row_count > 0`;
  assert.deepEqual([...again], [], "the next pipeline run should not bring the owner's pets back");
});
