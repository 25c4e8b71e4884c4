// audit-ingest: receives a batch of PostgreSQL log records (a Supabase log drain POST, or jsonlog lines
// sent by a script), parses the pgaudit lines about the warehouse and stores one audit row per statement.
// The database is a dependency (insertRows), so the handler is tested without one.
import { z } from "zod";
import { rejectUnlessAuthorizedPost } from "../_shared/auth.ts";
import { internalError, json, parseBody } from "../_shared/http.ts";
import type { Config } from "./config.ts";
import { type AuditRow, parseAuditBatch } from "./parse.ts";

/** A log drain sends at most 250 events per request; this leaves room for replaying a log file in chunks. */
export const maxRecords = 10_000;
/** The response lists at most this many malformed records (all are counted). */
export const maxMalformedListed = 100;

export interface InsertResult {
  inserted: number;
  duplicates: number;
  conflicts?: number;
}

export interface Deps {
  insertRows: (rows: AuditRow[]) => Promise<InsertResult>;
}

// A Supabase log drain posts a bare JSON array; { "records": [...] } is accepted too.
const bodySchema = z.preprocess(
  (body) => (Array.isArray(body) ? { records: body } : body),
  z.object({ records: z.array(z.unknown()).max(maxRecords) }),
);

/** The request with a gzip body (a log drain's "Gzip" option) decompressed; a 400 Response when it is not gzip. */
async function decompressed(req: Request): Promise<Request | Response> {
  if (!/gzip/i.test(req.headers.get("content-encoding") ?? "") || !req.body) return req;
  try {
    const body = await new Response(req.body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
    const headers = new Headers(req.headers);
    headers.delete("content-encoding");
    return new Request(req.url, { method: req.method, headers, body });
  } catch {
    return json(400, { error: "request body is not valid gzip" });
  }
}

export function createHandler(config: Config, deps: Deps): (req: Request) => Promise<Response> {
  return async (req) => {
    const rejected = rejectUnlessAuthorizedPost(req, config.credentials);
    if (rejected) return rejected;

    const plain = await decompressed(req);
    if (plain instanceof Response) return plain;
    const body = await parseBody(plain, bodySchema);
    if (body instanceof Response) return body;

    const { rows, malformed, ignored } = parseAuditBatch(body.records);
    let result: InsertResult = { inserted: 0, duplicates: 0, conflicts: 0 };
    if (rows.length > 0) {
      try {
        result = await deps.insertRows(rows);
      } catch (err) {
        return internalError("audit-ingest: storing audit rows failed", err);
      }
    }
    if (malformed.length > 0) {
      console.warn(`audit-ingest: ${malformed.length} malformed record(s), first: #${malformed[0].index} ${malformed[0].reason}`);
    }
    if ((result.conflicts ?? 0) > 0) {
      console.warn(`audit-ingest: ${result.conflicts} statement(s) were already stored with fewer relations`);
    }
    return json(200, {
      received: body.records.length,
      statements: rows.length,
      inserted: result.inserted,
      duplicates: result.duplicates,
      conflicts: result.conflicts ?? 0,
      ignored,
      malformed_count: malformed.length,
      malformed: malformed.slice(0, maxMalformedListed),
    });
  };
}
