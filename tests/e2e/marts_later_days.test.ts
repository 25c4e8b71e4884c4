// End-to-end: the daily run on later days. Ages, life stages, vaccination and health statuses, lifecycle
// stages and what needs attention move with the date alone, and the marts keep them incrementally: a run
// recomputes only the rows that the days since the last run (or the data) moved. So after each run on a
// later day — the session's warehouse.as_of_date set to that day, the runs' times moved to match, a little
// app activity on some days — every mart must equal its full recomputation on that day (its rows function
// over every batch), row for row.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import postgres from "postgres";
import { startThrowaway, type Throwaway } from "../../scripts/lib/throwaway.ts";
import { connect, npmRunOk } from "./helpers.ts";

let db: Throwaway;
let sql: ReturnType<typeof connect>;

before(async () => {
  db = await startThrowaway("later-days-e2e", { synth: ["--users", "1000"] });
  sql = connect(db.url);
  npmRunOk("pipeline", [], { DATABASE_URL: db.url });
});

after(async () => {
  await sql?.end();
  db?.stop();
});

/** Per recompute_keys mart: rows of its table missing from a full recomputation, and the reverse (metadata columns left out). */
async function differences(session: postgres.Sql): Promise<{ model: string; only_in_table: number; only_in_recompute: number }[]> {
  const queries = await session<{ model: string; query: string }[]>`
    select m.model_name as model,
           format('select (select count(*) from (select %1$s from %2$I.%3$I except all select %1$s from %4$s(0, %5$s)) as a)::int as t,
                          (select count(*) from (select %1$s from %4$s(0, %5$s) except all select %1$s from %2$I.%3$I) as b)::int as r',
                  c.cols, m.target_schema, m.target_table, m.transformation, b.max_batch) as query
    from warehouse.models as m
    cross join (select max(batch_id) as max_batch from warehouse.extract_batches where status = 'succeeded') as b
    cross join lateral (
        select string_agg(quote_ident(a.attname), ', ' order by a.attnum) as cols
        from pg_catalog.pg_attribute as a
        where a.attrelid = format('%I.%I', m.target_schema, m.target_table)::regclass
          and a.attnum > 0 and not a.attisdropped and a.attname !~ '^_'
    ) as c
    where m.materialization = 'recompute_keys'
    order by m.model_name`;
  const out = [];
  for (const q of queries) {
    const [row] = await session.unsafe<{ t: number; r: number }[]>(q.query);
    out.push({ model: q.model, only_in_table: row.t, only_in_recompute: row.r });
  }
  return out;
}

/** A little app activity on day `day`: logins of some users, a vaccine dose and a weigh-in for some pets. */
async function activity(day: string) {
  await sql`
    insert into public.auth_events (user_id, event_type, auth_method, occurred_at, created_at)
    select id, 'login_success', 'email', ${day}::date - 1 + time '09:00', now()
    from public.users where deleted_at is null order by md5(id::text || ${day}) limit 15`;
  await sql`
    insert into public.health_events (pet_id, event_type, vaccine_name, occurred_on, next_due_on, outcome)
    select id, 'vaccine', 'rabies', ${day}::date - 1, ${day}::date + 20, 'given'
    from public.pets where deleted_at is null and birth_date < ${day}::date - 400 order by md5(id::text || ${day}) limit 8`;
  await sql`
    insert into public.pet_weights (pet_id, weighed_on, weight_kg)
    select p.id, ${day}::date - 1, w.weight_kg * 1.4
    from public.pets as p
    cross join lateral (select x.weight_kg from public.pet_weights as x where x.pet_id = p.id order by x.weighed_on desc limit 1) as w
    where p.deleted_at is null order by md5(p.id::text || ${day}) limit 8`;
}

test("later days - after each daily run on a later day, every mart equals its full recomputation on that day", async () => {
  // one session, so that warehouse.as_of_date holds for the run and for the comparison
  const session = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    const [{ today }] = await session<{ today: string }[]>`select current_date::text as today`;
    const recomputedByDate = new Map<string, number>();
    // consecutive days, a lifecycle bound (14 days), month birthdays, skipped stretches, a year; app activity on even days
    for (const offset of [1, 2, 15, 31, 62, 400]) {
      const [{ day }] = await session<{ day: string }[]>`select (${today}::date + ${offset}::int)::text as day`;
      const withActivity = offset % 2 === 0;
      if (withActivity) await activity(day);
      await session`select set_config('warehouse.as_of_date', ${day}, false)`;
      await session`call warehouse.run_pipeline()`;
      const [run] = await session<{ status: string; error: string | null }[]>`
        select status, error from warehouse.pipeline_runs order by run_id desc limit 1`;
      assert.equal(run.status, "succeeded", `the run as of ${day} should succeed: ${run.error}`);
      // the run happened on that day: the next run's "days since the last run" start there
      await session`update warehouse.model_state set refreshed_at = (${day}::date + time '03:00') at time zone 'UTC'`;
      if (!withActivity) {
        const steps = await session<{ target: string; rows_in: number }[]>`
          select target, rows_in::int from warehouse.pipeline_steps
          where run_id = (select max(run_id) from warehouse.pipeline_runs) and step_name = 'model'`;
        for (const s of steps) recomputedByDate.set(s.target, (recomputedByDate.get(s.target) ?? 0) + s.rows_in);
      }
      const differing = (await differences(session)).filter((d) => d.only_in_table + d.only_in_recompute > 0);
      assert.deepEqual(differing, [], `as of ${day} (today + ${offset}), every mart should equal its full recomputation`);
    }
    // the days alone (runs with no new data) recomputed rows of each date-driven mart, and of no other
    for (const model of ["marts_core_dim_users", "marts_pets_dim_pets", "marts_pets_attention_needed"]) {
      assert.ok((recomputedByDate.get(model) ?? 0) > 0, `runs on later days without new data should recompute some rows of ${model}`);
    }
    for (const model of ["marts_core_auth_events", "marts_core_user_activity_daily", "marts_product_feature_usage", "marts_pets_health_events"]) {
      assert.equal(recomputedByDate.get(model) ?? 0, 0, `runs without new data should recompute nothing of ${model}`);
    }
  } finally {
    await session.end();
  }
});
