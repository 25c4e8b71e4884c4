import assert from "node:assert/strict";
import { parseAuditBatch, parseAuditMessage, parseLogTime, schemaOf, splitCsv } from "./parse.ts";

// Records as a PostgreSQL 15 cluster with pgaudit 1.7 writes them to its jsonlog file.
const jsonlog = (over: Record<string, unknown>) => ({
  timestamp: "2026-11-26 07:17:12.564 UTC",
  user: "test_analyst",
  dbname: "postgres",
  pid: 19262,
  remote_host: "127.0.0.1",
  remote_port: 39912,
  session_id: "6b07dcf8.4b3e",
  line_num: 1,
  ps: "SELECT",
  session_start: "2026-11-26 07:17:12 UTC",
  vxid: "4/102",
  txid: 0,
  error_severity: "LOG",
  message: "AUDIT: OBJECT,1,1,READ,SELECT,TABLE,marts.marts_core_dim_users,select count(*) from marts.marts_core_dim_users,<not logged>",
  application_name: "psql",
  backend_type: "client backend",
  query_id: 0,
  ...over,
});

const joinStatement =
  `select u.user_id, 'a,"b' from marts.marts_core_dim_users u join marts.marts_core_user_activity_daily d using (user_id)`;
const quoted = `"${joinStatement.replaceAll('"', '""')}"`;

Deno.test("audit-ingest parse - a jsonlog object-audit line becomes one statement run by the session's login", () => {
  const { rows, malformed, ignored } = parseAuditBatch([jsonlog({})]);
  assert.deepEqual(malformed, []);
  assert.equal(ignored, 0);
  assert.deepEqual(rows, [{
    role_name: "test_analyst",
    database_name: "postgres",
    application_name: "psql",
    session_id: "6b07dcf8.4b3e",
    statement_id: 1,
    substatement_id: 1,
    command: "SELECT",
    audit_class: "READ",
    query_text: "select count(*) from marts.marts_core_dim_users",
    tables_accessed: ["marts.marts_core_dim_users"],
    rows_returned: null,
    log_time: "2026-11-26T07:17:12.564Z",
    executed_at: "2026-11-26T07:17:12.564Z",
    execution_time_ms: null,
    source: "pgaudit",
  }]);
});

Deno.test("audit-ingest parse - one line per relation of a statement is merged into one row listing every relation", () => {
  const { rows } = parseAuditBatch([
    jsonlog({ line_num: 2, message: `AUDIT: OBJECT,4,1,READ,SELECT,TABLE,marts.marts_core_dim_users,${quoted},<not logged>` }),
    jsonlog({ line_num: 3, message: `AUDIT: OBJECT,4,1,READ,SELECT,TABLE,marts.marts_core_user_activity_daily,${quoted},<not logged>` }),
    jsonlog({ line_num: 4, message: `AUDIT: OBJECT,4,1,READ,SELECT,TABLE,marts.marts_core_dim_users,${quoted},<not logged>` }),
  ]);
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0].tables_accessed, ["marts.marts_core_dim_users", "marts.marts_core_user_activity_daily"]);
  assert.equal(rows[0].query_text, joinStatement, "the quoted statement should be unquoted, doubled quotes undoubled");
});

Deno.test("audit-ingest parse - the same statement id in two sessions, or two sub-statements, are separate rows", () => {
  const { rows } = parseAuditBatch([
    jsonlog({ session_id: "a.1" }),
    jsonlog({ session_id: "b.2", user: "metabase_login" }),
    jsonlog({
      session_id: "a.1",
      line_num: 2,
      message: "AUDIT: OBJECT,1,2,READ,SELECT,TABLE,staging.stg_supabase_users,select 1 from staging.stg_supabase_users,<not logged>",
    }),
  ]);
  assert.deepEqual(rows.map((r) => [r.session_id, r.statement_id, r.substatement_id, r.role_name]), [
    ["a.1", 1, 1, "test_analyst"],
    ["a.1", 1, 2, "test_analyst"],
    ["b.2", 1, 1, "metabase_login"],
  ]);
});

Deno.test("audit-ingest parse - a Supabase log drain event is read like a jsonlog record", () => {
  const event = {
    id: "8b3c1c2e-0000-4000-8000-000000000001",
    timestamp: 1795677432564000, // epoch microseconds
    event_message: "AUDIT: OBJECT,7,1,READ,SELECT,VIEW,marts.some_view,select * from marts.some_view,<not logged>",
    metadata: {
      host: "db-abcdefgh",
      parsed: {
        user_name: "metabase_login",
        session_id: "66a1b2c3.1f2e",
        database_name: "postgres",
        application_name: "Metabase",
        error_severity: "LOG",
        session_line_num: 12,
        timestamp: "2026-11-26 07:17:12.564 UTC",
      },
    },
  };
  // The Logs Explorer shape: metadata and parsed as one-element arrays, no parsed timestamp.
  const arrays = {
    ...event,
    event_message: event.event_message.replace(",7,1,", ",8,1,"),
    metadata: [{ host: "db-abcdefgh", parsed: [{ ...event.metadata.parsed, timestamp: undefined }] }],
  };
  const { rows, malformed } = parseAuditBatch([event, arrays]);
  assert.deepEqual(malformed, []);
  assert.deepEqual(rows.map((r) => [r.role_name, r.statement_id, r.tables_accessed, r.application_name, r.log_time]), [
    ["metabase_login", 7, ["marts.some_view"], "Metabase", "2026-11-26T07:17:12.564Z"],
    ["metabase_login", 8, ["marts.some_view"], "Metabase", new Date(1795677432564).toISOString()],
  ]);
});

Deno.test("audit-ingest parse - a self-hosted drain message with the log line prefix still yields its statement", () => {
  const event = {
    timestamp: "2026-11-26T07:17:12.564Z",
    event_message:
      "2026-11-26 07:17:12.564 UTC [19262] LOG:  AUDIT: OBJECT,1,1,READ,SELECT,TABLE,raw.raw_supabase_users,select * from raw.raw_supabase_users,<not logged>",
    metadata: { host: "db-default", parsed: { user_name: "postgres", session_id: "x.1", error_severity: "LOG" } },
  };
  const { rows } = parseAuditBatch([event]);
  assert.deepEqual(rows.map((r) => [r.role_name, r.tables_accessed, r.log_time]), [[
    "postgres",
    ["raw.raw_supabase_users"],
    "2026-11-26T07:17:12.564Z",
  ]]);
});

Deno.test("audit-ingest parse - lines about other schemas and ordinary log lines are ignored, not malformed", () => {
  const { rows, malformed, ignored } = parseAuditBatch([
    jsonlog({ message: "AUDIT: OBJECT,1,1,READ,SELECT,TABLE,public.users,select * from public.users,<not logged>" }),
    jsonlog({ message: "AUDIT: SESSION,2,1,READ,SELECT,,,select 1,<not logged>" }),
    jsonlog({ error_severity: "ERROR", message: 'relation "marts_core_dim_users" does not exist' }),
    { event_message: "GET /rest/v1/pets 200", metadata: { request: { method: "GET" } }, timestamp: 1795677432564000 },
  ]);
  assert.deepEqual(rows, []);
  assert.deepEqual(malformed, []);
  assert.equal(ignored, 4);
});

Deno.test("audit-ingest parse - a malformed record is counted with its index and the rest are kept", () => {
  const { rows, malformed } = parseAuditBatch([
    "not an object",
    jsonlog({ line_num: 1 }),
    jsonlog({ line_num: 2, message: `AUDIT: OBJECT,2,1,READ,SELECT,TABLE,marts.marts_core_dim_users,"unterminated,<not logged>` }),
    jsonlog({ line_num: 3, message: "AUDIT: OBJECT,x,1,READ,SELECT,TABLE,marts.marts_core_dim_users,select 1,<not logged>" }),
    jsonlog({
      line_num: 4,
      user: undefined,
      message: "AUDIT: OBJECT,4,1,READ,SELECT,TABLE,marts.marts_core_dim_users,select 1,<not logged>",
    }),
    jsonlog({
      line_num: 5,
      timestamp: "yesterday",
      message: "AUDIT: OBJECT,5,1,READ,SELECT,TABLE,marts.marts_core_dim_users,select 1,<not logged>",
    }),
    { hello: "world" },
    jsonlog({ line_num: 6, message: "AUDIT: OBJECT,6,1,READ,SELECT,TABLE,marts.marts_core_dim_users,select 6,<not logged>" }),
  ]);
  assert.deepEqual(malformed.map((m) => m.index), [0, 2, 3, 4, 5, 6]);
  assert.match(malformed.find((m) => m.index === 2)!.reason, /unterminated/);
  assert.match(malformed.find((m) => m.index === 4)!.reason, /user name/);
  assert.match(malformed.find((m) => m.index === 5)!.reason, /timestamp/);
  assert.deepEqual(rows.map((r) => r.statement_id), [1, 6]);
});

Deno.test("audit-ingest parse - log_min_duration_statement lines of the same session and statement give its execution time", () => {
  const session = (line: number, message: string) => jsonlog({ session_id: "d.1", line_num: line, message, user: "postgres" });
  const q = "select count(*) from marts.marts_core_dim_users";
  const p = "select $1::int + count(*) as n from marts.marts_core_dim_users";
  const { rows } = parseAuditBatch([
    // simple protocol: the audit line, then one "statement:" duration line
    session(1, `AUDIT: OBJECT,1,1,READ,SELECT,TABLE,marts.marts_core_dim_users,${q},<not logged>`),
    session(2, `duration: 12.600 ms  statement: ${q}`),
    // extended protocol: parse before the audit line (not counted), then bind and execute
    session(3, `duration: 0.783 ms  parse s1: ${p}`),
    session(4, `AUDIT: OBJECT,2,1,READ,SELECT,TABLE,marts.marts_core_dim_users,${p},<not logged>`),
    session(5, `duration: 2.528 ms  bind s1: ${p}`),
    session(6, `duration: 1.012 ms  execute s1: ${p}`),
    // failed: an error, then another statement's duration line
    session(7, `AUDIT: OBJECT,3,1,READ,SELECT,TABLE,marts.marts_core_dim_users,select 1/0 from marts.marts_core_dim_users,<not logged>`),
    jsonlog({ session_id: "d.1", line_num: 8, error_severity: "ERROR", message: "division by zero" }),
    session(9, "duration: 0.100 ms  statement: select 1"),
    // log_duration only: a bare duration line cannot be attributed
    session(10, `AUDIT: OBJECT,4,1,READ,SELECT,TABLE,marts.marts_core_dim_users,${q},<not logged>`),
    session(11, "duration: 0.136 ms"),
  ].reverse()); // line numbers, not batch order, give the order within a session
  assert.deepEqual(rows.map((r) => [r.statement_id, r.execution_time_ms]), [[1, 13], [2, 4], [3, null], [4, null]]);
});

Deno.test("audit-ingest parse - the pgaudit.log_rows field fills rows_returned", () => {
  const { rows } = parseAuditBatch([
    jsonlog({
      message:
        "AUDIT: OBJECT,1,1,READ,SELECT,TABLE,marts.marts_core_dim_users,select count(*) from marts.marts_core_dim_users,<not logged>,1",
    }),
  ]);
  assert.equal(rows[0].rows_returned, 1);
});

Deno.test("audit-ingest parse - pgaudit's CSV fields are split as CSV, with logged parameters as one quoted field", () => {
  assert.deepEqual(splitCsv(`OBJECT,1,1,READ,SELECT,TABLE,marts.x,"a, ""b""\nc",<not logged>`), [
    "OBJECT",
    "1",
    "1",
    "READ",
    "SELECT",
    "TABLE",
    "marts.x",
    'a, "b"\nc',
    "<not logged>",
  ]);
  const line = parseAuditMessage(`AUDIT: OBJECT,1,1,READ,SELECT,TABLE,marts.x,"select $1, $2","1,""a,""""b""",1`);
  assert.equal(line?.statement, "select $1, $2");
  assert.equal(line?.parameter, `1,"a,""b"`);
  assert.equal(line?.rows, 1);
  assert.equal(parseAuditMessage("connection authorized: user=postgres"), null);
  assert.throws(() => parseAuditMessage("AUDIT: OBJECT,1,1,READ"), /fields/);
});

Deno.test("audit-ingest parse - schemas and log times are read in every form the logs use", () => {
  assert.equal(schemaOf("marts.marts_core_dim_users"), "marts");
  assert.equal(schemaOf('"marts".x'), "marts");
  assert.equal(schemaOf('"we""ird".x'), 'we"ird');
  assert.equal(schemaOf("unqualified"), null);
  assert.equal(parseLogTime("2026-11-26 07:17:12.564 UTC"), "2026-11-26T07:17:12.564Z");
  assert.equal(parseLogTime("2026-11-26 09:17:12 +02"), "2026-11-26T07:17:12.000Z");
  assert.equal(parseLogTime("2026-11-26T07:17:12.564Z"), "2026-11-26T07:17:12.564Z");
  assert.equal(parseLogTime(1795677432564000), new Date(1795677432564).toISOString());
  assert.equal(parseLogTime(1795677432564), new Date(1795677432564).toISOString());
  assert.equal(parseLogTime("2026-11-26 07:17:12 CET"), null, "a zone abbreviation other than UTC is not guessed");
});
