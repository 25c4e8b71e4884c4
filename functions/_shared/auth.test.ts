import { constantTimeEqual, isAuthorized } from "./auth.ts";

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
