// The partition-maintenance HTTP handler: POST, authorized, optional { "as_of", "dry_run" }, then one run.
//   200  the run's summary (partitions created, archived, failed, rows deleted)
//   400  a bad field, named; 401 no or wrong key; 405 not POST
//   409  a pipeline or another maintenance run holds the warehouse lock (nothing was done)
//   500  anything else, never with the internal error
import { z } from "zod";
import { rejectUnlessAuthorizedPost } from "../_shared/auth.ts";
import { internalError, json, parseBody } from "../_shared/http.ts";
import type { Config } from "./config.ts";
import { FutureAsOfError, type MaintenanceOptions, type MaintenanceSummary } from "./maintenance.ts";

export interface HandlerDeps {
  run(opts: MaintenanceOptions): Promise<MaintenanceSummary>;
  /** Today's UTC date as YYYY-MM-DD (injected for tests). */
  today?: () => string;
}

const utcToday = () => new Date().toISOString().slice(0, 10);

export function requestSchema(today: string) {
  return z
    .strictObject({
      as_of: z.iso.date({ error: "must be a date as YYYY-MM-DD" }).optional(),
      dry_run: z.boolean({ error: "must be true or false" }).optional(),
    })
    .refine((b) => b.dry_run === true || b.as_of === undefined || b.as_of <= today, {
      path: ["as_of"],
      message: `must not be after today (${today}) unless dry_run is true: retention never runs as of a future date`,
    });
}

type HandlerConfig = Pick<Config, "serviceRoleKey" | "sharedSecret">;

export function createHandler(config: HandlerConfig, deps: HandlerDeps): (req: Request) => Promise<Response> {
  const creds = { serviceRoleKey: config.serviceRoleKey, sharedSecret: config.sharedSecret };
  const today = deps.today ?? utcToday;
  return async (req) => {
    const rejected = rejectUnlessAuthorizedPost(req, creds);
    if (rejected) return rejected;
    const body = await parseBody(req, requestSchema(today()));
    if (body instanceof Response) return body;
    try {
      const summary = await deps.run({ asOf: body.as_of, dryRun: body.dry_run ?? false });
      return json(summary.status === "skipped" ? 409 : 200, summary);
    } catch (err) {
      // The database's today decides; the check above uses UTC and can be a day off.
      if (err instanceof FutureAsOfError) return json(400, { error: `invalid request: as_of: ${err.message}` });
      return internalError("partition-maintenance", err);
    }
  };
}
