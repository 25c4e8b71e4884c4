// The warehouse-alerts HTTP handler: POST, authorized, optional { "limit" }, then one drain of the outbox.
import { z } from "zod";
import { rejectUnlessAuthorizedPost } from "../_shared/auth.ts";
import { internalError, json, parseBody } from "../_shared/http.ts";
import type { Config } from "./config.ts";
import { drainOutbox, type Outbox, type PostResult } from "./drain.ts";
import { formatAlert, parseAlert, type SlackMessage } from "./slack.ts";

export const DEFAULT_LIMIT = 20;

export const requestSchema = z.strictObject({
  limit: z.number().int().min(1).max(100).optional(),
});

export interface HandlerDeps {
  outbox: Outbox;
  /** Posts to Slack; null when no webhook is configured (nothing is claimed, alerts stay pending). */
  post: ((message: SlackMessage) => Promise<PostResult>) | null;
}

type HandlerConfig = Pick<Config, "serviceRoleKey" | "sharedSecret" | "reportUrl">;

export function createHandler(config: HandlerConfig, deps: HandlerDeps): (req: Request) => Promise<Response> {
  const creds = { serviceRoleKey: config.serviceRoleKey, sharedSecret: config.sharedSecret };
  const format = (row: unknown) => formatAlert(parseAlert(row), { reportUrl: config.reportUrl });
  return async (req) => {
    const rejected = rejectUnlessAuthorizedPost(req, creds);
    if (rejected) return rejected;
    const body = await parseBody(req, requestSchema);
    if (body instanceof Response) return body;
    if (!deps.post) {
      return json(200, {
        claimed: 0,
        delivered: 0,
        failed: 0,
        posted: false,
        note: "SLACK_WEBHOOK_URL is not set: nothing was posted and alerts stay pending",
      });
    }
    try {
      const counts = await drainOutbox({ ...deps.outbox, post: deps.post }, { limit: body.limit ?? DEFAULT_LIMIT, format });
      return json(200, { ...counts, posted: true });
    } catch (err) {
      return internalError("warehouse-alerts drain", err);
    }
  };
}
