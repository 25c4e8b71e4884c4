// Pure parsing of PostgreSQL log records into warehouse audit statements. No I/O.
//
// A record is either a PostgreSQL jsonlog line ({"timestamp", "user", "dbname", "session_id", "line_num",
// "error_severity", "message", ...}) or a Supabase log drain event ({"event_message", "timestamp",
// "metadata": {"parsed": {"user_name", "session_id", "database_name", "timestamp", ...}}}, where
// metadata and parsed may also be one-element arrays, as the Logs Explorer shows them). Records whose
// message holds a pgaudit line ("AUDIT: OBJECT,1,1,READ,SELECT,TABLE,marts.x,<statement>,<parameter>")
// on a warehouse relation become statements; pgaudit's one line per relation is merged per
// (session, statement id, substatement id). Everything else is ignored; what cannot be read is reported
// as malformed with its index, and never stops the rest of the batch.

/** The schemas of the warehouse: a statement is kept when it touched a relation in one of them. */
export const warehouseSchemas = ["raw", "staging", "marts", "audit", "warehouse"] as const;

/** One statement, named as the columns of audit.warehouse_audit_logs (audit.ingest_statements reads these keys). */
export interface AuditRow {
  role_name: string;
  database_name: string | null;
  application_name: string | null;
  session_id: string;
  statement_id: number;
  substatement_id: number;
  command: string;
  audit_class: string;
  query_text: string;
  tables_accessed: string[];
  rows_returned: number | null;
  log_time: string;
  executed_at: string;
  execution_time_ms: number | null;
  source: "pgaudit";
}

export interface Malformed {
  index: number;
  reason: string;
}

export interface ParseResult {
  rows: AuditRow[];
  malformed: Malformed[];
  /** Records that are well-formed but not about the warehouse (other log lines, other schemas, duration lines). */
  ignored: number;
}

export interface ParseOptions {
  schemas?: readonly string[];
}

/** A log record reduced to what auditing needs, whatever format it came in. */
interface LogLine {
  index: number;
  message: string;
  user: string | null;
  sessionId: string | null;
  database: string | null;
  application: string | null;
  severity: string | null;
  lineNum: number | null;
  time: string | null;
  timeRaw: unknown;
}

/** The fields of one pgaudit line. */
export interface AuditLine {
  auditType: string;
  statementId: number;
  substatementId: number;
  auditClass: string;
  command: string;
  objectType: string;
  objectName: string;
  statement: string;
  parameter: string;
  rows: number | null;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const int = (v: unknown): number | null => {
  const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
  return typeof n === "number" && Number.isInteger(n) ? n : null;
};

/**
 * Splits one CSV record (RFC 4180 quoting: a field that holds a comma, quote or newline is quoted and
 * its quotes doubled, as pgaudit's append_valid_csv writes it). Throws on an unterminated quote.
 */
export function splitCsv(text: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error("unterminated quoted field");
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
      if (i < text.length && text[i] !== ",") throw new Error(`unexpected character after a quoted field at ${i}`);
    } else {
      const end = text.indexOf(",", i);
      field = end === -1 ? text.slice(i) : text.slice(i, end);
      i = end === -1 ? text.length : end;
    }
    fields.push(field);
    if (i >= text.length) return fields;
    i++; // the comma
  }
}

const auditMarker = "AUDIT: ";

/** The pgaudit line in a log message, or null when the message is not one. Throws when it is one but unreadable. */
export function parseAuditMessage(message: string): AuditLine | null {
  const at = message.indexOf(auditMarker);
  if (at === -1) return null;
  const text = message.slice(at + auditMarker.length).replace(/\r?\n$/, "");
  const f = splitCsv(text);
  if (f.length < 9) throw new Error(`pgaudit line has ${f.length} fields, expected at least 9`);
  const [auditType, statementId, substatementId, auditClass, command, objectType, objectName, statement, parameter] = f;
  if (auditType !== "OBJECT" && auditType !== "SESSION") throw new Error(`unknown pgaudit AUDIT_TYPE "${auditType}"`);
  const sid = int(statementId);
  const sub = int(substatementId);
  if (sid === null || sub === null) throw new Error("pgaudit STATEMENT_ID and SUBSTATEMENT_ID must be integers");
  // pgaudit.log_rows adds the row count after the parameter field.
  const rows = f.length >= 10 && /^\d+$/.test(f[9]) ? Number(f[9]) : null;
  return {
    auditType,
    statementId: sid,
    substatementId: sub,
    auditClass,
    command,
    objectType,
    objectName,
    statement,
    parameter,
    rows,
  };
}

/** The schema of a qualified relation name (marts.x, "My Schema".x), unquoted; null when unqualified. */
export function schemaOf(objectName: string): string | null {
  if (objectName.startsWith('"')) {
    let i = 1;
    let schema = "";
    while (i < objectName.length) {
      if (objectName[i] === '"') {
        if (objectName[i + 1] === '"') {
          schema += '"';
          i += 2;
          continue;
        }
        return objectName[i + 1] === "." ? schema : null;
      }
      schema += objectName[i++];
    }
    return null;
  }
  const dot = objectName.indexOf(".");
  return dot > 0 ? objectName.slice(0, dot) : null;
}

/** A log timestamp as ISO 8601 UTC: PostgreSQL's "2026-11-26 07:17:12.564 UTC", ISO strings, or epoch numbers. */
export function parseLogTime(value: unknown): string | null {
  if (typeof value === "number" && Number.isFinite(value) && value > 0) {
    // Supabase's log events carry epoch microseconds; accept milliseconds and seconds too.
    const ms = value > 1e14 ? value / 1000 : value > 1e11 ? value : value * 1000;
    return new Date(ms).toISOString();
  }
  if (typeof value !== "string") return null;
  const pg = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*(UTC|GMT|Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(value.trim());
  if (pg) {
    const [, date, time, zone] = pg;
    const offset = !zone || zone === "UTC" || zone === "GMT" || zone === "Z"
      ? "Z"
      : zone.length === 3
      ? `${zone}:00`
      : zone.includes(":")
      ? zone
      : `${zone.slice(0, 3)}:${zone.slice(3)}`;
    const d = new Date(`${date}T${time}${offset}`);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  return null;
}

/** Reads a record in either format; a string reason when it is not a log record at all. */
function readRecord(record: unknown, index: number): LogLine | string {
  if (!isObj(record)) return "not a JSON object";
  if (typeof record.message === "string") {
    // PostgreSQL jsonlog
    return {
      index,
      message: record.message,
      user: str(record.user),
      sessionId: str(record.session_id),
      database: str(record.dbname),
      application: str(record.application_name),
      severity: str(record.error_severity),
      lineNum: int(record.line_num),
      time: parseLogTime(record.timestamp),
      timeRaw: record.timestamp,
    };
  }
  if (typeof record.event_message === "string") {
    // Supabase log drain event
    const metadata = first(record.metadata);
    const parsed = isObj(metadata) ? first(metadata.parsed) : undefined;
    const p: Obj = isObj(parsed) ? parsed : {};
    return {
      index,
      message: record.event_message,
      user: str(p.user_name),
      sessionId: str(p.session_id),
      database: str(p.database_name),
      application: str(p.application_name),
      severity: str(p.error_severity),
      lineNum: int(p.session_line_num),
      time: parseLogTime(p.timestamp) ?? parseLogTime(record.timestamp),
      timeRaw: p.timestamp ?? record.timestamp,
    };
  }
  return "no message: expected a PostgreSQL jsonlog record (message) or a Supabase log drain event (event_message)";
}

/** "duration: 1.234 ms  statement: ..." / "bind <name>: ..." / "execute <name>: ..." (log_min_duration_statement). */
const durationLine = /^duration: (\d+(?:\.\d+)?) ms {2}(statement|bind [^:]*|execute [^:]*|parse [^:]*): ([\s\S]*)$/;

/**
 * Parses a batch of log records into audit statements. Keeps statements on warehouse relations only,
 * merges pgaudit's per-relation lines, and attributes log_min_duration_statement lines of the same
 * session and statement text to the statement they follow.
 */
export function parseAuditBatch(records: readonly unknown[], options: ParseOptions = {}): ParseResult {
  const schemas = new Set(options.schemas ?? warehouseSchemas);
  const malformed: Malformed[] = [];
  let ignored = 0;

  const lines: LogLine[] = [];
  records.forEach((record, index) => {
    const line = readRecord(record, index);
    if (typeof line === "string") malformed.push({ index, reason: line });
    else lines.push(line);
  });

  // Log order within a session: by line number when every line of the session has one, else batch order.
  const sessions = new Map<string | null, LogLine[]>();
  for (const l of lines) {
    const group = sessions.get(l.sessionId);
    if (group) group.push(l);
    else sessions.set(l.sessionId, [l]);
  }
  const order: LogLine[] = [];
  for (const group of sessions.values()) {
    if (group.every((l) => l.lineNum !== null)) group.sort((a, b) => a.lineNum! - b.lineNum!);
    order.push(...group);
  }

  const rows = new Map<string, AuditRow>();
  const relations = new Map<string, Set<string>>();
  // Per session: the last statement seen, waiting for its duration lines.
  const open = new Map<string, { statementId: number; text: string; keys: string[]; ms: number; seen: boolean }>();

  const close = (sessionId: string) => {
    const o = open.get(sessionId);
    if (!o) return;
    if (o.seen) { for (const key of o.keys) rows.get(key)!.execution_time_ms = Math.round(o.ms); }
    open.delete(sessionId);
  };

  for (const l of order) {
    let audit: AuditLine | null;
    try {
      audit = parseAuditMessage(l.message);
    } catch (err) {
      malformed.push({ index: l.index, reason: (err as Error).message });
      continue;
    }

    if (audit === null) {
      const o = l.sessionId ? open.get(l.sessionId) : undefined;
      const d = durationLine.exec(l.message);
      if (o && d && !d[2].startsWith("parse") && d[3] === o.text) {
        o.ms += Number(d[1]);
        o.seen = true;
      } else if (o && (d || l.severity === "ERROR" || l.severity === "FATAL" || l.message.startsWith("duration: "))) {
        close(l.sessionId!); // the statement ended (another statement's duration, or it failed)
      }
      ignored++;
      continue;
    }

    const name = audit.objectName;
    const schema = name ? schemaOf(name) : null;
    if (!schema || !schemas.has(schema)) {
      ignored++;
      continue;
    }
    if (!l.user) {
      malformed.push({ index: l.index, reason: "pgaudit line without the session's user name" });
      continue;
    }
    if (!l.sessionId) {
      malformed.push({ index: l.index, reason: "pgaudit line without a session id" });
      continue;
    }
    if (!l.time) {
      malformed.push({ index: l.index, reason: `unreadable log timestamp ${JSON.stringify(l.timeRaw ?? null)}` });
      continue;
    }

    const key = `${l.sessionId}\u0000${audit.statementId}\u0000${audit.substatementId}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        role_name: l.user,
        database_name: l.database,
        application_name: l.application,
        session_id: l.sessionId,
        statement_id: audit.statementId,
        substatement_id: audit.substatementId,
        command: audit.command,
        audit_class: audit.auditClass,
        query_text: audit.statement === "" ? "<not logged>" : audit.statement,
        tables_accessed: [],
        rows_returned: audit.rows,
        log_time: l.time,
        executed_at: l.time,
        execution_time_ms: null,
        source: "pgaudit",
      };
      rows.set(key, row);
      relations.set(key, new Set());
    } else if (audit.rows !== null) {
      row.rows_returned = Math.max(row.rows_returned ?? 0, audit.rows);
    }
    const seen = relations.get(key)!;
    if (!seen.has(name)) {
      seen.add(name);
      row.tables_accessed.push(name);
    }

    const o = open.get(l.sessionId);
    if (o && o.statementId === audit.statementId) {
      if (!o.keys.includes(key)) o.keys.push(key);
    } else {
      close(l.sessionId);
      open.set(l.sessionId, { statementId: audit.statementId, text: audit.statement, keys: [key], ms: 0, seen: false });
    }
  }
  for (const sessionId of [...open.keys()]) close(sessionId);

  malformed.sort((a, b) => a.index - b.index);
  const sorted = [...rows.values()].sort((a, b) =>
    a.log_time.localeCompare(b.log_time) || a.session_id.localeCompare(b.session_id) ||
    a.statement_id - b.statement_id || a.substatement_id - b.substatement_id
  );
  return { rows: sorted, malformed, ignored };
}
