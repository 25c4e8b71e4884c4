// Who may call a warehouse function: the caller presents the service-role key as a bearer token, or
// the shared secret in the x-warehouse-secret header. Compared in constant time.

export interface Credentials {
  serviceRoleKey?: string;
  sharedSecret?: string;
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  for (let i = 0; i < Math.max(ea.length, eb.length); i++) diff |= (ea[i] ?? 0) ^ (eb[i] ?? 0);
  return diff === 0;
}

export function isAuthorized(req: Request, creds: Credentials): boolean {
  const bearer = req.headers.get("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
  const secret = req.headers.get("x-warehouse-secret");
  if (creds.serviceRoleKey && bearer && constantTimeEqual(bearer, creds.serviceRoleKey)) return true;
  if (creds.sharedSecret && secret && constantTimeEqual(secret, creds.sharedSecret)) return true;
  return false;
}

/** The common gate of every warehouse function: POST only (405), then the key (401). Null when the request may go on. */
export function rejectUnlessAuthorizedPost(req: Request, creds: Credentials): Response | null {
  if (req.method !== "POST") {
    return new Response(JSON.stringify({ error: "method not allowed: use POST" }), {
      status: 405,
      headers: { "content-type": "application/json", allow: "POST" },
    });
  }
  if (!isAuthorized(req, creds)) {
    return new Response(JSON.stringify({ error: "unauthorized" }), { status: 401, headers: { "content-type": "application/json" } });
  }
  return null;
}
