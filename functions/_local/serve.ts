// Local stand-in for Supabase's edge runtime: serves every function in functions/<name>/main.ts at
// http://127.0.0.1:<FUNCTIONS_PORT>/functions/v1/<name>, as a Supabase project would. Each main.ts
// exports buildHandler(env) — the same function its index.ts hands to Deno.serve.
const port = Number(Deno.env.get("FUNCTIONS_PORT") ?? "54321");
const root = new URL("..", import.meta.url);
const env = Deno.env.toObject();
const handlers = new Map<string, (req: Request) => Promise<Response>>();

for await (const entry of Deno.readDir(root)) {
  if (!entry.isDirectory || entry.name.startsWith("_")) continue;
  const main = new URL(`${entry.name}/main.ts`, root);
  try {
    await Deno.stat(main);
  } catch {
    continue;
  }
  const mod = await import(main.href);
  handlers.set(entry.name, mod.buildHandler(env));
}

Deno.serve({ hostname: "127.0.0.1", port, onListen: () => console.log(`functions: ${[...handlers.keys()].sort().join(", ")} on http://127.0.0.1:${port}/functions/v1/`) }, (req) => {
  const name = new URL(req.url).pathname.match(/^\/functions\/v1\/([a-z0-9-]+)\/?$/)?.[1];
  const handler = name ? handlers.get(name) : undefined;
  if (!handler) return new Response(JSON.stringify({ error: "no such function" }), { status: 404 });
  return handler(req);
});
