// Unit: the HTML report's rendering, which needs no database: text that came from the database is
// escaped, so a hostile name stays text, in the markup and in headless Chromium's DOM.
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, test } from "node:test";
import { type Browser, chromium } from "playwright-core";
import { renderReport, type ReportData } from "../../scripts/lib/report.ts";

const chromiumPath = "/usr/bin/chromium";
const chromiumArgs = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let browser: Browser;

before(async () => {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(`headless Chromium is missing at ${chromiumPath}: install the Debian package (apt-get install -y chromium); CI installs it`);
  }
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
});

after(async () => {
  await browser?.close();
});

test("report - text from the database is escaped, so a hostile name stays text", async () => {
  const evil = `<img src=x onerror="alert(1)">&'`;
  const data: ReportData = {
    activeUsers: [{ activity_date: "2026-11-25", dau: 1, wau: 2, mau: 3, stickiness: 0.3333 }],
    cohortRetention: [],
    authFunnel: [{ week: "2026-11-23", auth_method: evil, login_attempts: 2, login_successes: 1, login_failures: 1, failure_rate: 0.5, token_refreshes: 0 }],
    lifecycleMovement: [{ week: "2026-11-23", from_stage: "(new)", to_stage: evil, users: 1 }],
    lifecycleDistribution: [{ lifecycle_stage: evil, user_count: 1, pct: 100 }],
    authMethodAdoption: [{ preferred_auth_method: evil, user_count: 1 }],
    vaccinationCompliance: [{ species: evil, pet_count: 2, up_to_date_count: 1, overdue_count: 1, no_record_count: 0, up_to_date_share: 0.5 }],
    featureAdoption: [{ feature_name: evil, users_last_30_days: 1, active_users_last_30_days: 2, adoption_rate: 0.5 }],
    health: {
      runs: [{ run_id: 7, status: "failed", full_refresh: false, started_at: "2026-11-26T06:00:00.000Z", finished_at: "2026-11-26T06:01:00.000Z", failing_tests: [evil], tests_run: 3, tests_passed: 1, tests_warned: 1 }],
      freshness: [{ test_name: evil, status: "fail", message: evil, checked_at: "2026-11-26T06:00:30.000Z" }],
      layerRows: [{ layer: "raw", row_count: 5 }],
      layerRowsUnavailable: null,
    },
  };
  const out = renderReport(data, { generatedAt: new Date("2026-11-26T07:00:00Z") });
  assert.doesNotMatch(out, /<img/);
  assert.match(out, /&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;&amp;&#39;/);
  const p = await browser.newPage();
  await p.route("**/*", (r) => r.abort());
  await p.setContent(out);
  assert.equal(await p.locator("img").count(), 0);
  assert.deepEqual(await p.$$eval("[data-failing-test]", (els) => els.map((e) => e.getAttribute("data-failing-test"))), [evil]);
  assert.equal(await p.locator('[data-chart="auth-method-adoption"] [data-series="adoption"]').getAttribute("data-x"), evil);
  await p.close();
});
