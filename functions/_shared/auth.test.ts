import { constantTimeEqual, isAuthorized, rejectUnlessAuthorizedPost } from "./auth.ts";

function assert(cond: boolean, msg: string) {
  if (!cond) throw new Error(msg);
}

const req = (headers: Record<string, string>) => new Request("http://127.0.0.1/x", { method: "POST", headers });
const creds = { serviceRoleKey: "service-key", sharedSecret: "shared-secret" };

Deno.test("auth - the service-role key as a bearer token is accepted", () => {
  assert(isAuthorized(req({ authorization: "Bearer service-key" }), creds), "bearer should pass");
});

Deno.test("auth - the shared secret header is accepted", () => {
  assert(isAuthorized(req({ "x-warehouse-secret": "shared-secret" }), creds), "secret should pass");
});

Deno.test("auth - a wrong, missing or prefixed key is refused", () => {
  assert(!isAuthorized(req({ authorization: "Bearer service-ke" }), creds), "wrong key");
  assert(!isAuthorized(req({}), creds), "no key");
  assert(!isAuthorized(req({ "x-warehouse-secret": "shared-secret-and-more" }), creds), "longer secret");
  assert(!isAuthorized(req({ authorization: "Bearer x" }), {}), "no credentials configured");
});

Deno.test("auth - constant-time comparison still compares", () => {
  assert(constantTimeEqual("abc", "abc"), "equal");
  assert(!constantTimeEqual("abc", "abd"), "differs");
  assert(!constantTimeEqual("abc", "abcd"), "length differs");
});

Deno.test("auth - the gate answers 405 to a GET and 401 to a POST without the key", async () => {
  const get = rejectUnlessAuthorizedPost(new Request("http://127.0.0.1/x"), creds);
  assert(get?.status === 405 && get.headers.get("allow") === "POST", "GET should be 405 with Allow: POST");
  const post = rejectUnlessAuthorizedPost(req({}), creds);
  assert(post?.status === 401 && (await post.json()).error === "unauthorized", "POST without key should be 401");
  assert(rejectUnlessAuthorizedPost(req({ "x-warehouse-secret": "shared-secret" }), creds) === null, "an authorised POST goes on");
});
