import assert from "node:assert/strict";
import { failedRunRow, freshnessRow, succeededRunRow } from "./fixtures.ts";
import { type Block, formatAlert, parseAlert } from "./slack.ts";

const allText = (blocks: Block[]) => JSON.stringify(blocks);
const header = (blocks: Block[]) => blocks.find((b) => b.type === "header")?.text.text as string;
const fields = (blocks: Block[]) =>
  (blocks.find((b) => b.type === "section" && b.fields)?.fields as { text: string }[]).map((f) => f.text).join("\n");

Deno.test("slack message - failed run: the header has the title, the run id and the status", () => {
  const { blocks } = formatAlert(parseAlert(failedRunRow));
  assert.match(header(blocks), /Warehouse run 42 failed/);
  assert.match(fields(blocks), /\*Run\*\n42/);
  assert.match(fields(blocks), /\*Status\*\nfailed/);
});

Deno.test("slack message - failed run: names every failing test with its failing-row count and message", () => {
  const { text, blocks } = formatAlert(parseAlert(failedRunRow));
  const body = allText(blocks);
  for (const t of failedRunRow.payload.failing_tests) {
    assert.ok(body.includes(t.test_name), `blocks should name ${t.test_name}`);
    assert.ok(text.includes(t.test_name), `the fallback text should name ${t.test_name}`);
  }
  assert.match(body, /stg_supabase_users__email_hash__unique`[^•]*: 1 failing row\\n[^•]*1 key values occur more than once/);
  assert.match(body, /assert_user_counts_match`[^•]*: 3 failing rows\\n[^•]*row counts differ by 3/);
  assert.match(body, /Failing tests \(2\)/);
});

Deno.test("slack message - failed run: lists the warnings too", () => {
  const body = allText(formatAlert(parseAlert(failedRunRow)).blocks);
  assert.match(body, /Warnings \(1\)/);
  assert.match(body, /stg_supabase_sessions__device_type__accepted_values`: 4 failing rows/);
});

Deno.test("slack message - failed run without failing tests: shows the failed steps and the run error", () => {
  const row = {
    ...failedRunRow,
    payload: {
      ...failedRunRow.payload,
      failing_tests: [],
      warnings: [],
      error: "extract supabase_users: column public.users.nickname was added",
      failed_steps: [{ step: "extract", target: "supabase_users", error: "column public.users.nickname was added" }],
    },
  };
  const body = allText(formatAlert(parseAlert(row)).blocks);
  assert.match(body, /Failed steps/);
  assert.match(body, /extract `supabase_users`: column public.users.nickname was added/);
});

Deno.test("slack message - succeeded run: a short summary of rows per layer, tests run and warnings", () => {
  const { text, blocks } = formatAlert(parseAlert(succeededRunRow));
  const body = allText(blocks);
  assert.match(header(blocks), /Warehouse run 43 succeeded/);
  assert.match(fields(blocks), /\*Status\*\nsucceeded/);
  assert.match(body, /\*Rows per layer \(estimate\)\* raw 45,678 · staging 12,345 · marts 10,234/);
  assert.match(body, /\*Tests run\* 28/);
  assert.match(body, /\*Warnings\* 1/);
  assert.match(body, /assert_source_user_counts_match`: 2 failing rows/);
  assert.doesNotMatch(body, /Failing tests/);
  assert.match(text, /28 tests run, 1 warning/);
});

Deno.test("slack message - freshness breach: the age message of every breach, no run", () => {
  const { text, blocks } = formatAlert(parseAlert(freshnessRow));
  const body = allText(blocks);
  assert.match(header(blocks), /Warehouse data is stale/);
  assert.match(fields(blocks), /\*Run\*\n—/);
  assert.match(body, /stg_supabase_auth_events__freshness` \(fail\): newest occurred_at is 80.2 hours old/);
  assert.match(text, /80.2 hours old/);
});

Deno.test("slack message - links to nothing private: URLs in messages are redacted, only the report URL is linked", () => {
  const row = {
    ...failedRunRow,
    payload: {
      ...failedRunRow.payload,
      failing_tests: [{
        test_name: "t",
        model_name: "m",
        failing_rows: 1,
        message: "could not connect to postgresql://postgres:secret@db.internal.example:5432/postgres <script>",
      }],
    },
  };
  const plain = formatAlert(parseAlert(row));
  const body = JSON.stringify(plain);
  assert.doesNotMatch(body, /postgresql:|secret@|db\.internal/);
  assert.match(body, /\[redacted url\] &lt;script&gt;/);
  assert.doesNotMatch(body, /"url"/, "no link without a report URL");
  const linked = JSON.stringify(formatAlert(parseAlert(row), { reportUrl: "https://metabase.petforce.example/dashboard/7" }).blocks);
  assert.match(linked, /"url":"https:\/\/metabase.petforce.example\/dashboard\/7"/);
});

Deno.test("slack message - a long list is cut, counted, and kept within Slack's limits", () => {
  const many = Array.from({ length: 40 }, (_, i) => ({
    test_name: `test_${i}`,
    model_name: "m",
    failing_rows: i,
    message: "x".repeat(400),
  }));
  const { blocks } = formatAlert(parseAlert({ ...failedRunRow, payload: { ...failedRunRow.payload, failing_tests: many } }));
  const body = allText(blocks);
  assert.match(body, /…and 25 more/);
  assert.ok(blocks.length <= 50);
  for (const b of blocks) if (b.type === "section" && b.text) assert.ok(b.text.text.length <= 3000, "a section's text fits");
  assert.ok(header(blocks).length <= 150);
});

Deno.test("alert rows - a row read back is validated: a bad kind or payload is refused, naming the field", () => {
  assert.throws(() => parseAlert({ ...failedRunRow, kind: "run_exploded" }), /invalid alert row: kind/);
  assert.throws(
    () => parseAlert({ ...failedRunRow, payload: { ...failedRunRow.payload, failing_tests: [{ test_name: "t", failing_rows: "many" }] } }),
    /invalid alert row: payload\.failing_tests\.0\.failing_rows/,
  );
  assert.throws(() => parseAlert({ ...freshnessRow, payload: { breaches: [] } }), /payload\.breaches/);
  assert.throws(() => parseAlert({ ...failedRunRow, alert_id: "42" }), /alert_id/);
});

Deno.test("slack message - test warning: lists each warning with its count", () => {
  const row = {
    ...failedRunRow,
    kind: "test_warning",
    severity: "warning",
    title: "Warehouse tests warn",
    payload: { run_id: 42, warnings: [{ test_name: "assert_source_user_counts_match", failing_rows: 2, message: "row counts differ by 2" }] },
  };
  const { text, blocks } = formatAlert(parseAlert(row));
  assert.match(header(blocks), /Warehouse tests warn/);
  assert.match(allText(blocks), /Warnings \(1\)[^"]*assert_source_user_counts_match`: 2 failing rows/);
  assert.match(text, /warnings: assert_source_user_counts_match/);
});
