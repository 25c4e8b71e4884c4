// Unit: migrations wrap BEGIN ATOMIC functions so that the supabase CLI's statement splitter keeps them whole.
import assert from "node:assert/strict";
import { test } from "node:test";
import { wrapAtomicBodies } from "../../scripts/lib/cli-safe-sql.ts";

const atomic = [
  "create function marts.f(p bigint)",
  "returns setof int",
  "language sql",
  "stable",
  "begin atomic",
  "    with a as (select coalesce(p, 0) as x, case when p > 0 then 1 end as y)",
  "    select x from a;",
  "end;",
].join("\n");

test("cli-safe sql - a BEGIN ATOMIC function is executed from a DO block, its text unchanged inside", () => {
  const out = wrapAtomicBodies(`-- c\n${atomic}\n\ncomment on function marts.f(bigint) is 'x';\n`);
  assert.match(out, /^-- c\ndo \$atomic\$\nbegin\n    execute \$body\$\ncreate function marts\.f\(p bigint\)\n/);
  assert.match(out, /    select x from a;\nend\n\$body\$;\nend\n\$atomic\$;\n\ncomment on function/);
});

test("cli-safe sql - plpgsql and string-bodied functions, and everything else, stay as they are", () => {
  const plain = "create function w.g()\nreturns int\nlanguage sql\nas $$\n    select 1\n$$;\n\nselect 1;\n";
  assert.equal(wrapAtomicBodies(plain), plain);
});

test("cli-safe sql - a BEGIN ATOMIC body without its closing end; line is refused", () => {
  assert.throws(() => wrapAtomicBodies("create function f()\nreturns int\nlanguage sql\nbegin atomic\n    select 1; end;"), /no closing line "end;"/);
});
