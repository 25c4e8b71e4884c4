// HTTP helpers shared by the Edge Functions: JSON responses, zod-validated bodies, safe 500s.
import type { z } from "zod";

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** The request body parsed with a zod schema; a 400 Response naming the first bad field otherwise. */
export async function parseBody<T extends z.ZodType>(req: Request, schema: T): Promise<z.infer<T> | Response> {
  let raw: unknown;
  try {
    const text = await req.text();
    raw = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    return json(400, { error: "request body is not valid JSON" });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.length ? issue.path.join(".") : "body";
    return json(400, { error: `invalid request: ${field}: ${issue.message}` });
  }
  return parsed.data;
}

/** Logs the real error server-side and answers a 500 that reveals nothing internal. */
export function internalError(where: string, err: unknown): Response {
  console.error(`${where}:`, err);
  return json(500, { error: "internal error" });
}
