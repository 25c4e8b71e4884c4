// npm run invoke -- <function-name> [json-body] — call an Edge Function the way the cron job does: a POST
// with the shared secret in x-warehouse-secret, to the local functions (npm run functions, port
// FUNCTIONS_PORT) or to FUNCTIONS_URL (e.g. https://<ref>.supabase.co/functions/v1). Prints the answer;
// anything but a 2xx exits 1 with one line.
import { parseArgs } from "node:util";
import { z } from "zod";
import { runMain } from "./lib/cli.ts";
import { loadEnv } from "./lib/config.ts";
import { LOCAL_DEV_SECRET } from "./lib/functions.ts";

const argsSchema = z.tuple([
  z.string({ error: "give the function's name: npm run invoke -- <function-name> [json-body]" })
    .regex(/^[a-z0-9][a-z0-9-]*$/, "a function name is lowercase letters, digits and dashes"),
  z.string().optional(),
], { error: "usage: npm run invoke -- <function-name> [json-body]" });

runMain(async () => {
  const { positionals } = parseArgs({ allowPositionals: true, options: {} });
  const parsedArgs = argsSchema.safeParse(positionals);
  if (!parsedArgs.success) throw new Error(parsedArgs.error.issues[0].message);
  const [name, rawBody] = parsedArgs.data;
  let body = "{}";
  if (rawBody !== undefined) {
    try {
      body = JSON.stringify(JSON.parse(rawBody));
    } catch {
      throw new Error(`the body is not valid JSON: ${rawBody}`);
    }
  }

  const env = loadEnv();
  if (env.FUNCTIONS_URL && !env.WAREHOUSE_FUNCTION_SECRET) {
    throw new Error("FUNCTIONS_URL is set but WAREHOUSE_FUNCTION_SECRET is not: give the secret the functions expect");
  }
  const base = (env.FUNCTIONS_URL ?? `http://127.0.0.1:${env.FUNCTIONS_PORT}/functions/v1`).replace(/\/+$/, "");
  const url = `${base}/${name}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-warehouse-secret": env.WAREHOUSE_FUNCTION_SECRET ?? LOCAL_DEV_SECRET },
      body,
      signal: AbortSignal.timeout(120_000),
    });
  } catch (err) {
    const why = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    const hint = env.FUNCTIONS_URL ? "" : " (start them with npm run functions)";
    throw new Error(`no answer from ${base}${hint}: ${why}`);
  }
  const text = await res.text();
  let shown = text;
  let error: string | undefined;
  try {
    const parsed = JSON.parse(text);
    shown = JSON.stringify(parsed, null, 2);
    error = typeof parsed?.error === "string" ? parsed.error : undefined;
  } catch {
    // not JSON: show it as it is
  }
  if (!res.ok) throw new Error(`${name} answered ${res.status}: ${error ?? (text.trim().slice(0, 200) || res.statusText)}`);
  console.log(shown);
});
