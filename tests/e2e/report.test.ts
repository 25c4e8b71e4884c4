// End-to-end: synthetic data → npm run pipeline → npm run report, then the page opened in headless
// Chromium with every network request blocked. The charts must render, and the numbers they carry in
// data-* attributes must equal an independent computation straight from the operational tables
// (without the users who opted out of analytics, whom analysts never see) and the run log.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, test } from "node:test";
import { type Browser, type Page, chromium } from "playwright-core";
import { startThrowaway, type Throwaway } from "../../scripts/lib/throwaway.ts";
import { asAnalyst, connect, npmRunOk } from "./helpers.ts";

const chromiumPath = "/usr/bin/chromium";
const chromiumArgs = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let db: Throwaway;
let sql: ReturnType<typeof connect>;
let browser: Browser;
let page: Page;
let html: string;
let reportOut: string;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "warehouse-report-"));
const attempted: string[] = [];

/** Opens a page with every request that is not the report file itself blocked and recorded. */
async function openBlocked(url: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const p = await context.newPage();
  p.on("request", (r) => {
    if (!r.url().startsWith("file:")) attempted.push(r.url());
  });
  await p.route("**/*", (r) => (r.request().url().startsWith("file:") ? r.continue() : r.abort()));
  await p.goto(url);
  return p;
}

before(async () => {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(`headless Chromium is missing at ${chromiumPath}: install the Debian package (apt-get install -y chromium); CI installs it`);
  }
  // as of today (UTC), even before 06:00: the report's charts end today, and every day they show has logins
  db = await startThrowaway("report-e2e", { synth: ["--users", "1500", "--as-of", new Date().toISOString().slice(0, 10)] });
  sql = connect(db.url);
  npmRunOk("pipeline", [], { DATABASE_URL: db.url });
  reportOut = path.join(tmp, "nested", "warehouse-report.html");
  const res = npmRunOk("report", ["--out", reportOut], { DATABASE_URL: db.url });
  assert.equal(res.stdout.trim().split("\n").at(-1), reportOut, "npm run report should print the path it wrote");
  html = fs.readFileSync(reportOut, "utf8");
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  page = await openBlocked(pathToFileURL(reportOut).href);
});

after(async () => {
  await browser?.close();
  await sql?.end();
  db?.stop();
  // the screenshot stays for a person to look at; anything else goes
  fs.rmSync(path.join(tmp, "nested"), { recursive: true, force: true });
  if (fs.readdirSync(tmp).length === 0) fs.rmdirSync(tmp);
});

interface Mark {
  x: string;
  value: number;
  attrs: Record<string, string>;
}

/** The marks of one series in one chart, as the page carries them. */
async function marks(chart: string, series: string): Promise<Mark[]> {
  return page.$$eval(`[data-chart="${chart}"] [data-series="${series}"]`, (els) =>
    els.map((e) => ({
      x: e.getAttribute("data-x") ?? "",
      value: Number(e.getAttribute("data-value")),
      attrs: Object.fromEntries([...e.attributes].filter((a) => a.name.startsWith("data-")).map((a) => [a.name, a.value])),
    })),
  );
}
const byX = (ms: Mark[]) => Object.fromEntries(ms.map((m) => [m.x, m.value]));
const kpi = (name: string) => page.$eval(`[data-kpi="${name}"]`, (e) => ({ text: e.textContent ?? "", value: e.getAttribute("data-value") ?? "", x: e.getAttribute("data-x") }));
const toNum = (rows: Record<string, unknown>[], key: string, value: string) => Object.fromEntries(rows.map((r) => [String(r[key]), Number(r[value])]));

test("report - the page loads with no network request and references nothing outside itself", async () => {
  await page.waitForLoadState("load");
  assert.deepEqual(attempted, [], "opening the report should request nothing but the file");
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|<object|<embed|@import|url\((?!#)|\s(src|srcset|href)=|https?:\/\//i, "the page should embed everything it shows");
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
});

test("report - every chart renders as a visible graphic with one mark per data point", async () => {
  const [{ today }] = await sql`select current_date::text as today`;
  const ninetyDays = await sql`select d::date::text as day from generate_series(current_date - 89, current_date, interval '1 day') as d order by 1`;
  const expectedDays = ninetyDays.map((r) => r.day as string);
  assert.equal(expectedDays.at(-1), today);
  for (const chart of ["active-users", "stickiness", "lifecycle-distribution", "auth-funnel", "auth-method-adoption", "layer-rows", "run-tests"]) {
    const box = await page.locator(`[data-chart="${chart}"] svg`).first().boundingBox();
    assert.ok(box && box.width > 100 && box.height > 15, `the ${chart} chart should be drawn with a visible size (got ${JSON.stringify(box)})`);
  }
  for (const chart of ["cohort-retention", "lifecycle-movement"]) {
    const box = await page.locator(`[data-chart="${chart}"] table`).boundingBox();
    assert.ok(box && box.width > 100 && box.height > 50, `the ${chart} table should be drawn with a visible size`);
  }
  for (const series of ["dau", "wau", "mau"]) {
    assert.deepEqual((await marks("active-users", series)).map((m) => m.x), expectedDays, `active users: one ${series} point per day of the last 90`);
  }
  assert.deepEqual((await marks("stickiness", "stickiness")).map((m) => m.x), expectedDays, "stickiness: one point per day of the last 90");

  assert.equal((await marks("lifecycle-distribution", "lifecycle")).length, 4, "lifecycle: one bar per stage");
  const methods = await sql`
    select count(distinct preferred_auth_method)::int + (count(*) filter (where preferred_auth_method is null) > 0)::int as n
    from public.users where deleted_at is null and not analytics_opt_out`;
  assert.equal((await marks("auth-method-adoption", "adoption")).length, methods[0].n, "adoption: one bar per method");
  const funnelMethods = await sql`
    select count(distinct coalesce(e.auth_method, 'unknown'))::int as n
    from public.auth_events as e
    left join public.users as u on u.id = e.user_id
    where not coalesce(u.analytics_opt_out, false)
      and (e.occurred_at at time zone 'UTC')::date >= date_trunc('week', current_date) - interval '12 weeks'`;
  assert.equal((await marks("auth-funnel", "attempts")).length, funnelMethods[0].n, "funnel: one attempts bar per method");
  assert.equal((await marks("auth-funnel", "successes")).length, funnelMethods[0].n, "funnel: one successes bar per method");
  assert.equal((await marks("auth-funnel", "failure-rate")).length, funnelMethods[0].n, "funnel: one failure rate per method");
  const movement = await asAnalyst<{ n: number }>(sql, `
    select count(*)::int as n from kpi_lifecycle_movement
    where week in (select distinct week from kpi_lifecycle_movement order by week desc limit 8)`);
  assert.ok(movement[0].n > 0);
  assert.equal((await marks("lifecycle-movement", "movement")).length, movement[0].n, "movement: one cell per week and move");
  assert.equal((await marks("layer-rows", "layer-rows")).length, 3, "rows per layer: raw, staging and marts");
});

test("report - DAU, WAU and MAU of each of the last 7 days match logins in the operational auth events", async () => {
  const expected = await sql`
    with days as (
        select d::date as day from generate_series(current_date - 7, current_date, interval '1 day') as d
    ),
    logins as (
        select distinct e.user_id, (e.occurred_at at time zone 'UTC')::date as day
        from public.auth_events as e
        join public.users as u on u.id = e.user_id and not u.analytics_opt_out
        where e.event_type = 'login_success'
    )
    select days.day::text as day,
           (select count(distinct l.user_id) from logins as l where l.day = days.day)::int as dau,
           (select count(distinct l.user_id) from logins as l where l.day between days.day - 6 and days.day)::int as wau,
           (select count(distinct l.user_id) from logins as l where l.day between days.day - 29 and days.day)::int as mau
    from days
    order by days.day`;
  assert.equal(expected.length, 8);
  assert.ok(expected.every((r) => r.dau > 0), "the synthetic data should have logins on each of the last days");
  for (const series of ["dau", "wau", "mau"] as const) {
    const shown = byX(await marks("active-users", series));
    assert.deepEqual(
      Object.fromEntries(expected.map((r) => [r.day, shown[r.day]])),
      Object.fromEntries(expected.map((r) => [r.day, r[series]])),
      `${series} per day`,
    );
  }
  const stick = byX(await marks("stickiness", "stickiness"));
  for (const r of expected) assert.ok(Math.abs(stick[r.day] - r.dau / r.mau) < 0.0001, `stickiness on ${r.day} should be DAU / MAU`);
  // the headline is the newest complete day
  const headline = await kpi("dau-latest");
  const yesterday = expected.at(-2)!;
  assert.equal(headline.x, yesterday.day);
  assert.equal(Number(headline.value), yesterday.dau);
  assert.equal(headline.text, yesterday.dau.toLocaleString("en-US"));
});

test("report - the lifecycle distribution matches the stage rules applied to the operational tables", async () => {
  const expected = await sql`
    with last_login as (
        select u.id, u.created_at, u.deleted_at, u.analytics_opt_out,
               greatest(u.last_login_at, (select max(e.occurred_at) from public.auth_events as e
                                          where e.user_id = u.id and e.event_type = 'login_success')) as last_login_at
        from public.users as u
    ),
    days as (
        select current_date - (created_at at time zone 'UTC')::date as since_signup,
               current_date - (coalesce(last_login_at, created_at) at time zone 'UTC')::date as since_login
        from last_login
        where deleted_at is null and not analytics_opt_out
    )
    select case when since_signup < 14 then 'new'
                when since_login < 30 then 'active'
                when since_login < 60 then 'at_risk'
                else 'churned' end as lifecycle_stage,
           count(*)::int as user_count
    from days
    group by 1`;
  assert.equal(expected.length, 4, "the synthetic data should have users in all four stages");
  const shown = await marks("lifecycle-distribution", "lifecycle");
  assert.deepEqual(byX(shown), toNum(expected, "lifecycle_stage", "user_count"));
  const total = expected.reduce((n, r) => n + r.user_count, 0);
  for (const m of shown) assert.equal(Number(m.attrs["data-pct"]), Math.round((10000 * m.value) / total) / 100, `share of ${m.x}`);
  assert.equal(Number((await kpi("users-total")).value), total);
  assert.deepEqual(shown.map((m) => m.x), ["new", "active", "at_risk", "churned"], "stages in their natural order");
});

test("report - sign-in method adoption matches the operational users", async () => {
  const expected = await sql`
    select coalesce(preferred_auth_method, '(none)') as method, count(*)::int as user_count
    from public.users
    where deleted_at is null and not analytics_opt_out
    group by 1`;
  const shown = await marks("auth-method-adoption", "adoption");
  assert.deepEqual(byX(shown), toNum(expected, "method", "user_count"));
  const values = shown.map((m) => m.value);
  assert.deepEqual(values, [...values].sort((a, b) => b - a), "bars from most to least used");
});

test("report - vaccination compliance and feature adoption chart what the pets and product marts say", async () => {
  // The views themselves are checked against the operational tables in pets.test.ts and product.test.ts.
  const vaccination = await asAnalyst<Record<string, unknown>>(sql, "select species, up_to_date_count::int as n from marts.kpi_vaccination_compliance");
  assert.ok(vaccination.length >= 2, "the synthetic pets should cover several species");
  assert.deepEqual(byX(await marks("vaccination-compliance", "vaccination")), toNum(vaccination, "species", "n"));
  const adoption = await asAnalyst<Record<string, unknown>>(sql, "select feature_name, users_last_30_days::int as n from marts.kpi_feature_adoption");
  assert.ok(adoption.length >= 5, "the synthetic product events should use most features");
  assert.deepEqual(byX(await marks("feature-adoption", "feature-adoption")), toNum(adoption, "feature_name", "n"));
});

test("report - the sign-in funnel matches login attempts and successes per method over the last 12 weeks", async () => {
  const expected = await sql`
    select coalesce(e.auth_method, 'unknown') as method,
           (count(*) filter (where e.event_type in ('login_success', 'login_failure')))::int as attempts,
           (count(*) filter (where e.event_type = 'login_success'))::int as successes,
           (count(*) filter (where e.event_type = 'login_failure'))::int as failures
    from public.auth_events as e
    left join public.users as u on u.id = e.user_id
    where not coalesce(u.analytics_opt_out, false)
      and (e.occurred_at at time zone 'UTC')::date >= date_trunc('week', current_date) - interval '12 weeks'
    group by 1`;
  assert.deepEqual(byX(await marks("auth-funnel", "attempts")), toNum(expected, "method", "attempts"));
  assert.deepEqual(byX(await marks("auth-funnel", "successes")), toNum(expected, "method", "successes"));
  const rates = byX(await marks("auth-funnel", "failure-rate"));
  for (const r of expected) {
    const rate = r.attempts ? r.failures / r.attempts : 0;
    assert.ok(Math.abs(rates[r.method] - rate) < 0.0001, `failure rate of ${r.method}`);
  }
});

test("report - the cohort heatmap matches weekly sign-ups and the share of them who logged in each week", async () => {
  const expected = await sql`
    with cohorts as (
        select u.id, date_trunc('week', u.created_at at time zone 'UTC')::date as cohort_week
        from public.users as u
        where not u.analytics_opt_out and u.created_at >= date_trunc('week', current_date) - interval '12 weeks'
    ),
    sizes as (
        select cohort_week, count(*) as size from cohorts group by 1
    ),
    logins as (
        select distinct c.cohort_week, c.id,
               (date_trunc('week', e.occurred_at at time zone 'UTC')::date - c.cohort_week) / 7 as week
        from cohorts as c
        join public.auth_events as e on e.user_id = c.id and e.event_type = 'login_success'
    )
    select l.cohort_week::text || '|' || l.week as cell, count(*)::int as retained, s.size::int as size
    from logins as l join sizes as s using (cohort_week)
    where l.week >= 0
    group by l.cohort_week, l.week, s.size`;
  const shown = await marks("cohort-retention", "retention");
  assert.ok(expected.length > 50, "the synthetic data should fill the heatmap");
  assert.deepEqual(
    Object.fromEntries(shown.map((m) => [`${m.x}|${m.attrs["data-week"]}`, { retained: Number(m.attrs["data-retained"]), size: Number(m.attrs["data-size"]) }])),
    Object.fromEntries(expected.map((r) => [r.cell, { retained: r.retained, size: r.size }])),
  );
  for (const m of shown) assert.ok(Math.abs(m.value - Number(m.attrs["data-retained"]) / Number(m.attrs["data-size"])) < 0.0001);
});

test("report - the run health panel shows the latest run's status, test counts, freshness and rows per layer", async () => {
  const [run] = await sql`
    select r.run_id::int, r.status, r.failing_tests,
           (select count(*) from warehouse.quality_test_results as q where q.run_id = r.run_id and q.status <> 'skipped')::int as tests_run,
           (select count(*) from warehouse.quality_test_results as q where q.run_id = r.run_id and q.status = 'pass')::int as tests_passed,
           (select count(*) from warehouse.quality_test_results as q where q.run_id = r.run_id and q.status = 'warn')::int as tests_warned
    from warehouse.pipeline_runs as r
    where r.status <> 'skipped'
    order by r.run_id desc limit 1`;
  assert.equal(run.status, "succeeded");
  assert.ok(run.tests_run > 10);
  assert.equal((await kpi("run-id")).text, String(run.run_id));
  assert.equal((await kpi("run-status")).text, run.status);
  assert.equal(Number((await kpi("tests-run")).text), run.tests_run);
  assert.equal(Number((await kpi("tests-passed")).text), run.tests_passed);
  assert.equal(Number((await kpi("tests-warned")).text), run.tests_warned);
  assert.deepEqual(byX(await marks("run-tests", "tests")), { passed: run.tests_passed, warned: run.tests_warned, failed: run.tests_run - run.tests_passed - run.tests_warned });
  const failing = await page.$$eval("[data-failing-test]", (els) => els.map((e) => e.getAttribute("data-failing-test")));
  assert.deepEqual(failing, run.failing_tests);

  const freshness = await sql`
    select distinct on (test_name) test_name, status
    from warehouse.quality_test_results where kind = 'freshness'
    order by test_name, checked_at desc`;
  assert.ok(freshness.length > 0);
  const shownFreshness = await page.$$eval("[data-freshness-test]", (els) => els.map((e) => [e.getAttribute("data-freshness-test"), e.getAttribute("data-status")]));
  assert.deepEqual(Object.fromEntries(shownFreshness), Object.fromEntries(freshness.map((f) => [f.test_name, f.status])));

  // rows per layer are planner estimates: within 5% of the exact counts
  const exact: Record<string, number> = {};
  const tables = await sql`
    select n.nspname as layer, c.relname from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
    where n.nspname in ('raw', 'staging', 'marts') and c.relkind = 'r'`;
  for (const t of tables) {
    const [{ n }] = await sql.unsafe(`select count(*)::int as n from "${t.layer}"."${t.relname}"`);
    exact[t.layer] = (exact[t.layer] ?? 0) + n;
  }
  const layers = byX(await marks("layer-rows", "layer-rows"));
  assert.deepEqual(Object.keys(layers).sort(), ["marts", "raw", "staging"]);
  for (const [layer, n] of Object.entries(exact)) {
    assert.ok(n > 0 && Math.abs(layers[layer] - n) <= n * 0.05, `rows in ${layer}: shown ${layers[layer]}, exact ${n}`);
  }
});

test("report - the page fits a phone-width screen without sideways scrolling", async () => {
  const phone = await openBlocked(pathToFileURL(reportOut).href, { width: 390, height: 844 });
  const width = Number(await phone.evaluate("document.documentElement.scrollWidth"));
  await phone.context().close();
  assert.ok(width <= 390, `the page is ${width}px wide on a 390px screen`);
  assert.deepEqual(attempted, []);
});

test("report - a full-page screenshot is taken for a person to look at", async (t) => {
  const file = path.join(tmp, "warehouse-report.png");
  await page.screenshot({ path: file, fullPage: true });
  assert.ok(fs.statSync(file).size > 50_000);
  t.diagnostic(`screenshot: ${file}`);
});
