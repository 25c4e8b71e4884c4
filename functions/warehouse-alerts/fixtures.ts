// Alert rows as warehouse.claim_alerts returns them (postgres.js: bigint as string, timestamptz as Date),
// for the tests.
export const failedRunRow = {
  alert_id: "6f1c1c8e-6a57-4f43-9a55-0d6f0d3d7b11",
  kind: "run_failed",
  severity: "error",
  run_id: "42",
  title: "Warehouse run 42 failed",
  payload: {
    run_id: 42,
    status: "failed",
    full_refresh: false,
    started_at: "2026-11-26T06:00:00Z",
    finished_at: "2026-11-26T06:01:10Z",
    error: "quality gate: 2 error-severity tests failed",
    failing_tests: [
      {
        test_name: "stg_supabase_users__email_hash__unique",
        model_name: "stg_supabase_users",
        failing_rows: 1,
        message: "unique (email_hash) in staging.stg_supabase_users: 1 key values occur more than once (302 rows with a non-null key checked)",
      },
      {
        test_name: "assert_user_counts_match",
        model_name: "marts_core_dim_users",
        failing_rows: 3,
        message: "row counts differ by 3: raw=300, staging=300, marts=297",
      },
    ],
    warnings: [{ test_name: "stg_supabase_sessions__device_type__accepted_values", failing_rows: 4, message: "accepted_values device_type: 4 of 900 rows" }],
    tests_run: 28,
    failed_steps: [],
    rows_per_layer: { raw: 1200, staging: 1100, marts: 900 },
  },
  dedupe_key: "run:42",
  status: "pending",
  attempts: 1,
  next_attempt_at: new Date("2026-11-26T06:03:10Z"),
  last_error: null,
  created_at: new Date("2026-11-26T06:01:10Z"),
  delivered_at: null,
};

export const succeededRunRow = {
  ...failedRunRow,
  alert_id: "0b7f3f4e-1b7a-4a8e-9c51-2f5a1e9b7c22",
  kind: "run_succeeded",
  severity: "warning",
  run_id: "43",
  title: "Warehouse run 43 succeeded",
  dedupe_key: "run:43",
  payload: {
    ...failedRunRow.payload,
    run_id: 43,
    status: "succeeded",
    error: null,
    failing_tests: [],
    warnings: [{ test_name: "assert_source_user_counts_match", failing_rows: 2, message: "row counts differ by 2: source=302, staging=300" }],
    rows_per_layer: { marts: 10234, raw: 45678, staging: 12345 },
  },
};

export const freshnessRow = {
  ...failedRunRow,
  alert_id: "9d2a4c1b-3e5f-4a6b-8c7d-1e2f3a4b5c33",
  kind: "freshness_breach",
  severity: "error",
  run_id: null,
  title: "Warehouse data is stale",
  dedupe_key: "freshness:2026-11-26",
  payload: {
    breaches: [
      {
        test_name: "stg_supabase_auth_events__freshness",
        status: "fail",
        message: "newest occurred_at is 80.2 hours old (warn after 26 hours, error after 72 hours)",
      },
    ],
  },
};

/** n distinct failed-run rows. */
export function alertRows(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    ...failedRunRow,
    alert_id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`,
    run_id: String(100 + i),
    title: `Warehouse run ${100 + i} failed`,
    payload: { ...failedRunRow.payload, run_id: 100 + i },
  }));
}
