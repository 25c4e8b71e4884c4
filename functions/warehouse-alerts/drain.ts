// Draining warehouse.alert_outbox: claim due alerts, post each to Slack, record the outcome.
// drainOutbox is pure (everything it touches comes in as deps) and is tested with fakes; dbDeps and
// slackPoster are the real deps.
import type { Sql } from "postgres";
import { z } from "zod";
import type { SlackMessage } from "./slack.ts";

/** What a post got back: the HTTP status and (the start of) the body. A network error throws instead. */
export interface PostResult {
  status: number;
  body: string;
}

export interface Outbox {
  /** Claims up to `limit` due alerts (a lease: a concurrent drainer does not get them); raw rows. */
  claim(limit: number): Promise<unknown[]>;
  markDelivered(alertId: string): Promise<void>;
  markFailed(alertId: string, error: string): Promise<void>;
}

export interface DrainDeps extends Outbox {
  post(message: SlackMessage): Promise<PostResult>;
}

export interface DrainOptions {
  limit: number;
  /** Validates a claimed row and builds its message; throws for a row it cannot format. */
  format(row: unknown): SlackMessage;
}

export interface DrainCounts {
  claimed: number;
  delivered: number;
  failed: number;
}

const claimedId = z.object({ alert_id: z.string().min(1) });

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Claims due alerts and delivers them one by one, oldest first: delivered on a 2xx answer, failed (with
 * the reason, for the outbox's backoff) on a network error, a non-2xx answer, or a row that cannot be
 * formatted. An alert is marked delivered only after Slack accepted it. Database errors propagate.
 */
export async function drainOutbox(deps: DrainDeps, opts: DrainOptions): Promise<DrainCounts> {
  const rows = await deps.claim(opts.limit);
  const counts: DrainCounts = { claimed: rows.length, delivered: 0, failed: 0 };
  for (const row of rows) {
    const id = claimedId.safeParse(row);
    if (!id.success) {
      // Without an id the row cannot be marked; its lease runs out and it is claimed again.
      console.error("warehouse-alerts: a claimed row has no alert_id");
      counts.failed++;
      continue;
    }
    const alertId = id.data.alert_id;
    let error: string;
    try {
      const message = opts.format(row);
      const result = await deps.post(message);
      if (result.status >= 200 && result.status < 300) {
        await deps.markDelivered(alertId);
        counts.delivered++;
        continue;
      }
      error = `slack answered ${result.status}${result.body ? `: ${result.body.slice(0, 200)}` : ""}`;
    } catch (err) {
      error = describe(err);
    }
    await deps.markFailed(alertId, error);
    counts.failed++;
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// The real deps
// ---------------------------------------------------------------------------------------------

const deliveredRow = z.object({ delivered: z.boolean().nullable() });
const failedRow = z.object({ status: z.enum(["pending", "delivered", "dead"]).nullable() });

/** The outbox through its SQL API (warehouse.claim_alerts, mark_alert_delivered, mark_alert_failed). */
export function dbDeps(sql: Sql): Outbox {
  return {
    async claim(limit) {
      const rows = await sql`select * from warehouse.claim_alerts(${limit}::integer)`;
      return [...rows];
    },
    async markDelivered(alertId) {
      const [row] = await sql`select warehouse.mark_alert_delivered(${alertId}::uuid) as delivered`;
      if (!deliveredRow.parse(row).delivered) console.error(`warehouse-alerts: alert ${alertId} was no longer pending when delivered`);
    },
    async markFailed(alertId, error) {
      const [row] = await sql`select (warehouse.mark_alert_failed(${alertId}::uuid, ${error})).status as status`;
      if (failedRow.parse(row).status === "dead") console.error(`warehouse-alerts: alert ${alertId} is dead after its last attempt: ${error}`);
    },
  };
}

/**
 * Posts a message to a Slack incoming webhook. The webhook URL is a secret: it is replaced in any
 * error text (fetch names the URL it failed to reach), so it never lands in the outbox.
 */
export function slackPoster(
  webhookUrl: string,
  fetchFn: typeof fetch,
  opts: { timeoutMs?: number } = {},
): (message: SlackMessage) => Promise<PostResult> {
  const origin = new URL(webhookUrl).origin;
  const hide = (text: string) => text.split(webhookUrl).join("<slack webhook>").split(origin).join("<slack webhook>");
  return async (message) => {
    let res: Response;
    try {
      res = await fetchFn(webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new Error(`could not reach slack: ${hide(describe(err))}`);
    }
    const body = hide(await res.text().catch(() => ""));
    return { status: res.status, body: body.slice(0, 500) };
  };
}
