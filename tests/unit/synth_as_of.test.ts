// Unit: synth's default --as-of never puts a row in the future (its data runs to 06:00 UTC of that day).
import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultAsOf } from "../../scripts/synth.ts";

test("synth default as-of - after 06:00 UTC it is today", () => {
  assert.equal(defaultAsOf(new Date("2026-12-02T06:00:00Z")), "2026-12-02");
  assert.equal(defaultAsOf(new Date("2026-12-02T23:59:59Z")), "2026-12-02");
});

test("synth default as-of - before 06:00 UTC it is yesterday, across a month's end", () => {
  assert.equal(defaultAsOf(new Date("2026-12-02T05:59:59Z")), "2026-12-01");
  assert.equal(defaultAsOf(new Date("2026-12-01T00:30:00Z")), "2026-11-30");
});
