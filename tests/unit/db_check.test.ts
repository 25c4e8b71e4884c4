// Unit tests of the pure parts of db:check and db:migration: reading schema_paths, expanding the
// globs, splitting SQL and pg_dump output, the line diff, the manifest, comparing registry rows, and
// the statement rewriting db:migration does around migra. No database.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { formatManifestLine, listInManifest, parseManifest, sha256, verifyManifest } from "../../scripts/lib/manifest.ts";
import { nextVersion } from "../../scripts/lib/migrations.ts";
import {
  compareDumpObjects,
  compareRegistries,
  diffRows,
  isVolatileDefault,
  lineDiff,
  objectLabel,
  pgLiteral,
  type RegistryTable,
  splitDump,
} from "../../scripts/lib/schema-compare.ts";
import {
  commentTarget,
  createdObject,
  dataStatements,
  deferNotNull,
  orderAddedColumns,
  indexesAfterTheirFunctions,
  orderByDependencies,
  orderByForeignKeys,
  roleStatements,
  useTreeText,
} from "../../scripts/lib/schema-diff.ts";
import { expandGlobs, globToRegExp, listFiles, parseSchemaPaths, readTree, splitSql, treeDefinitions } from "../../scripts/lib/schema-tree.ts";

describe("schema_paths in config.toml", () => {
  test("reads the ordered array of [db.migrations], across lines, with comments and a trailing comma", () => {
    const toml = [
      "[db]",
      'schema_paths = ["./not/this.sql"]',
      "",
      "[db.migrations]",
      "# a comment",
      "enabled = true",
      "schema_paths = [",
      '  "./schemas/engine/schemas.sql", # first',
      "  './schemas/raw/*.sql',",
      '  "./schemas/marts/**/*.sql",',
      "]",
      "",
      "[db.seed]",
      'sql_paths = ["./seed.sql"]',
    ].join("\n");
    assert.deepEqual(parseSchemaPaths(toml), ["./schemas/engine/schemas.sql", "./schemas/raw/*.sql", "./schemas/marts/**/*.sql"]);
  });

  test("a one-line array, escapes, CRLF line ends", () => {
    assert.deepEqual(parseSchemaPaths('[db.migrations]\r\nschema_paths = ["a\\\\b.sql", "c\\u0041.sql"]\r\n'), ["a\\b.sql", "cA.sql"]);
  });

  test("an empty array, or no key, gives no paths", () => {
    assert.deepEqual(parseSchemaPaths("[db.migrations]\nschema_paths = []\n"), []);
    assert.deepEqual(parseSchemaPaths("[db.migrations]\nenabled = true\n[db.seed]\nschema_paths = ['x']\n"), []);
  });

  test("malformed arrays are errors, not silently shorter trees", () => {
    assert.throws(() => parseSchemaPaths('[db.migrations]\nschema_paths = ["a.sql"\n'), /not closed/);
    assert.throws(() => parseSchemaPaths('[db.migrations]\nschema_paths = ["a.sql" "b.sql"]\n'), /missing comma/);
    assert.throws(() => parseSchemaPaths("[db.migrations]\nschema_paths = [1]\n"), /only strings/);
    assert.throws(() => parseSchemaPaths('[db.migrations]\nschema_paths = "a.sql"\n'), /not an array/);
  });

  test("the project's own config.toml parses", () => {
    const paths = parseSchemaPaths(fs.readFileSync(path.join(import.meta.dirname, "../../supabase/config.toml"), "utf8"));
    assert.ok(Array.isArray(paths));
    for (const p of paths) assert.match(p, /\.sql$|\/$|^\.\/[^*]+$/);
  });
});

describe("glob expansion", () => {
  const files = [
    "schemas/engine/finish.sql",
    "schemas/engine/schemas.sql",
    "schemas/marts/core/kpi_active_users.sql",
    "schemas/marts/core/marts_core_dim_users.sql",
    "schemas/marts/pets/deep/x.sql",
    "schemas/marts/pets/marts_pets_dim_pets.sql",
    "schemas/raw/b.sql",
    "schemas/raw/a.sql",
    "schemas/raw/notes.txt",
    "seed.sql",
  ];

  test("* stays within a path segment; ** spans any number of them", () => {
    assert.ok(globToRegExp("./schemas/raw/*.sql").test("schemas/raw/a.sql"));
    assert.ok(!globToRegExp("./schemas/*.sql").test("schemas/raw/a.sql"));
    assert.ok(globToRegExp("schemas/**/*.sql").test("schemas/raw/a.sql"));
    assert.ok(globToRegExp("schemas/**/*.sql").test("schemas/marts/pets/deep/x.sql"));
    assert.ok(globToRegExp("schemas/**").test("schemas/marts/pets/deep/x.sql"));
    assert.ok(!globToRegExp("schemas/raw/?.sql").test("schemas/raw/ab.sql"));
    assert.ok(globToRegExp("schemas/raw/a+b.sql").test("schemas/raw/a+b.sql"), "regex characters are literal");
  });

  test("each pattern in lexicographic order; a file matched twice stays at its first position", () => {
    const tree = expandGlobs(
      ["./schemas/engine/schemas.sql", "./schemas/raw/*.sql", "./schemas/marts/*/marts_*.sql", "./schemas/marts/**/*.sql", "./schemas/engine/*.sql"],
      files,
    );
    assert.deepEqual(tree, [
      "schemas/engine/schemas.sql",
      "schemas/raw/a.sql",
      "schemas/raw/b.sql",
      "schemas/marts/core/marts_core_dim_users.sql",
      "schemas/marts/pets/marts_pets_dim_pets.sql",
      "schemas/marts/core/kpi_active_users.sql",
      "schemas/marts/pets/deep/x.sql",
      "schemas/engine/finish.sql",
    ]);
  });

  test("a folder means every .sql file under it; a pattern that matches nothing is an error", () => {
    assert.deepEqual(expandGlobs(["./schemas/raw"], files), ["schemas/raw/a.sql", "schemas/raw/b.sql"]);
    assert.throws(() => expandGlobs(["./schemas/raw/*.sql", "./schemas/nothing/*.sql"], files), /no files matched "\.\/schemas\/nothing\/\*\.sql"/);
  });

  test("readTree reads a config beside its files (paths relative to the config's folder)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tree-"));
    try {
      fs.mkdirSync(path.join(dir, "schemas", "b"), { recursive: true });
      fs.writeFileSync(path.join(dir, "schemas", "2.sql"), "select 2;");
      fs.writeFileSync(path.join(dir, "schemas", "1.sql"), "select 1;");
      fs.writeFileSync(path.join(dir, "schemas", "b", "3.sql"), "select 3;");
      fs.writeFileSync(path.join(dir, "config.toml"), '[db.migrations]\nschema_paths = ["./schemas/2.sql", "./schemas/**/*.sql"]\n');
      assert.deepEqual(listFiles(dir), ["config.toml", "schemas/1.sql", "schemas/2.sql", "schemas/b/3.sql"]);
      const tree = readTree(path.join(dir, "config.toml"));
      assert.deepEqual(tree.relative, ["schemas/2.sql", "schemas/1.sql", "schemas/b/3.sql"]);
      assert.deepEqual(tree.files, tree.relative.map((f) => path.join(dir, f)));
      fs.writeFileSync(path.join(dir, "config.toml"), "[db.migrations]\nschema_paths = []\n");
      assert.throws(() => readTree(path.join(dir, "config.toml")), /schema_paths in \[db\.migrations\] is empty/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("splitting SQL into statements", () => {
  test("semicolons in strings, dollar quotes, comments and BEGIN ATOMIC bodies do not split", () => {
    const sql = [
      "-- leading comment",
      "create table t (a text default ';');",
      "/* block ; /* nested ; */ */ comment on table t is 'it''s; fine';",
      "create function f() returns int language plpgsql as $body$ begin return 1; end $body$;",
      "create function g(x int) returns int language sql begin atomic",
      "  select case when x > 0 then 1 else 0 end;",
      "  select 2;",
      "end;",
      "select E'a\\';b';",
      'select 1 as "x;y"',
    ].join("\n");
    const statements = splitSql(sql);
    assert.equal(statements.length, 6, statements.join("\n---\n"));
    assert.equal(statements[0], "create table t (a text default ';');");
    assert.match(statements[1], /^comment on table t is 'it''s; fine';$/);
    assert.match(statements[3], /^create function g[\s\S]*select 2;\nend;$/);
    assert.equal(statements[4], "select E'a\\';b';");
    assert.equal(statements[5], 'select 1 as "x;y"');
  });

  test("treeDefinitions keys functions and views by schema.name", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "defs-"));
    try {
      const file = path.join(dir, "a.sql");
      fs.writeFileSync(
        file,
        'create view marts.v with (security_invoker = true) as select 1;\ncreate or replace function "Marts".F() returns int language sql begin atomic select 1; end;\ncreate table marts.t (a int);\n',
      );
      const defs = treeDefinitions([file]);
      assert.deepEqual([...defs.keys()], ["marts.v", "Marts.f"]);
      assert.equal(defs.get("marts.v")![0].file, file);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

const sampleDump = (fnBody: string, extra = "") => `--
-- PostgreSQL database dump
--

\\restrict abcdef123

-- Dumped from database version 15.20
-- Dumped by pg_dump version 15.20

SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);

--
-- Name: warehouse; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA warehouse;


--
-- Name: has_vault(); Type: FUNCTION; Schema: warehouse; Owner: -
--

CREATE FUNCTION warehouse.has_vault() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
${fnBody}
$$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: sources sources_pkey; Type: CONSTRAINT; Schema: warehouse; Owner: -
--

ALTER TABLE ONLY warehouse.sources
    ADD CONSTRAINT sources_pkey PRIMARY KEY (source_name);
${extra}

--
-- Name: COLUMN sources.note; Type: COMMENT; Schema: warehouse; Owner: -
--

COMMENT ON COLUMN warehouse.sources.note IS 'A note.';


--
-- PostgreSQL database dump complete
--

\\unrestrict abcdef123
`;

describe("pg_dump output", () => {
  test("splits into objects by the Name/Type/Schema headers, without SET, banner and \\restrict noise", () => {
    const objects = splitDump(sampleDump("    select true"));
    assert.deepEqual([...objects.keys()], [
      "SCHEMA||warehouse",
      "FUNCTION|warehouse|has_vault()",
      "CONSTRAINT|warehouse|sources sources_pkey",
      "COMMENT|warehouse|COLUMN sources.note",
    ]);
    assert.equal(objects.get("FUNCTION|warehouse|has_vault()")!.body, "CREATE FUNCTION warehouse.has_vault() RETURNS boolean\n    LANGUAGE sql STABLE\n    AS $$\n    select true\n$$;");
    for (const o of objects.values()) assert.doesNotMatch(o.body, /restrict|^SET |Dumped|set_config/m);
  });

  test("the same schema dumped with other \\restrict keys and settings compares equal", () => {
    const a = splitDump(sampleDump("    select true"));
    const b = splitDump(sampleDump("    select true").replace(/abcdef123/g, "zzz999").replace("SET statement_timeout = 0;", "SET lock_timeout = 0;"));
    assert.deepEqual(compareDumpObjects(a, b), []);
  });

  test("labels name the object as a person would", () => {
    assert.equal(objectLabel("FUNCTION", "warehouse", "run_pipeline(boolean, bigint)"), "function warehouse.run_pipeline(boolean, bigint)");
    assert.equal(objectLabel("CONSTRAINT", "warehouse", "sources sources_pkey"), "constraint sources_pkey on warehouse.sources");
    assert.equal(objectLabel("COMMENT", "warehouse", "COLUMN sources.note"), "comment on column warehouse.sources.note");
    assert.equal(objectLabel("ACL", null, "SCHEMA raw"), "privileges on schema raw");
    assert.equal(objectLabel("DEFAULT ACL", "marts", "DEFAULT PRIVILEGES FOR TABLES"), "default privileges for tables in schema marts");
    assert.equal(objectLabel("SCHEMA", null, "raw"), "schema raw");
  });

  test("a changed function is named with a diff; objects on one side only say which side", () => {
    const a = splitDump(sampleDump("    select true"));
    const b = splitDump(sampleDump("    select false", "\n--\n-- Name: idx; Type: INDEX; Schema: warehouse; Owner: -\n--\n\nCREATE INDEX idx ON warehouse.sources (note);\n"));
    const diffs = compareDumpObjects(a, b);
    assert.deepEqual(diffs.map((d) => `${d.object} ${d.summary}`), ["function warehouse.has_vault() differs", "index warehouse.idx only in the tree"]);
    assert.deepEqual(diffs[0].details, ["@@ -2,4 +2,4 @@", "     LANGUAGE sql STABLE", "     AS $$", "-    select true", "+    select false", " $$;"]);
  });

  test("a table whose columns only moved says so", () => {
    const dump = (cols: string[]) => `--\n-- Name: t; Type: TABLE; Schema: warehouse; Owner: -\n--\n\nCREATE TABLE warehouse.t (\n${cols.join(",\n")}\n);\n`;
    const diffs = compareDumpObjects(splitDump(dump(["    a integer", "    b text"])), splitDump(dump(["    b text", "    a integer"])));
    assert.equal(diffs.length, 1);
    assert.match(diffs[0].details[0], /same columns in another order/);
  });
});

describe("line diff", () => {
  test("equal texts give nothing; changes come with context, - before +", () => {
    assert.deepEqual(lineDiff("a\nb", "a\nb"), []);
    const lines = Array.from({ length: 10 }, (_, i) => `l${i}`);
    const changed = [...lines];
    changed[5] = "L5";
    assert.deepEqual(lineDiff(lines.join("\n"), changed.join("\n"), { context: 1 }), ["@@ -5,3 +5,3 @@", " l4", "-l5", "+L5", " l6"]);
  });

  test("long diffs are cut", () => {
    const a = Array.from({ length: 100 }, (_, i) => `a${i}`).join("\n");
    const b = Array.from({ length: 100 }, (_, i) => `b${i}`).join("\n");
    const out = lineDiff(a, b, { maxLines: 10 });
    assert.equal(out.length, 11);
    assert.match(out[10], /^… \d+ more lines$/);
  });
});

describe("manifest of landed migrations", () => {
  const files = new Map([
    ["20261201000000_baseline.sql", sha256("create schema raw;")],
    ["20261202000000_next.sql", sha256("alter table x add column y int;")],
  ]);
  const manifest = [...files].map(([f, h]) => formatManifestLine(h, f)).join("\n") + "\n";

  test("lists every migration unchanged: no problem", () => {
    assert.deepEqual(verifyManifest(manifest, files), []);
    assert.equal(parseManifest(manifest).entries.size, 2);
  });

  test("a changed, a missing and an unlisted migration are each named", () => {
    const present = new Map(files);
    present.set("20261201000000_baseline.sql", sha256("create schema raw; -- edited"));
    present.delete("20261202000000_next.sql");
    present.set("20261203000000_new.sql", sha256("select 1;"));
    const problems = verifyManifest(manifest, present, "supabase/migrations.sha256");
    assert.equal(problems.length, 3, problems.join("\n"));
    assert.match(problems[0], /^migration 20261201000000_baseline\.sql changed since it landed/);
    assert.match(problems[1], /^migration 20261202000000_next\.sql is listed in supabase\/migrations\.sha256 but missing/);
    assert.match(problems[2], /^migration 20261203000000_new\.sql is not listed/);
  });

  test("no manifest, a malformed line and a repeated file are problems", () => {
    assert.match(verifyManifest(null, files)[0], /does not exist/);
    assert.match(verifyManifest(`${manifest}not a line\n`, files)[0], /line 3 is not/);
    assert.match(verifyManifest(manifest + manifest, files).join("\n"), /lists 20261201000000_baseline\.sql twice/);
  });

  test("listInManifest lists new files, re-hashes an unlanded one, and keeps the file sorted", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "manifest-"));
    try {
      const mig = path.join(dir, "migrations");
      fs.mkdirSync(mig);
      fs.writeFileSync(path.join(mig, "20261202000000_b.sql"), "select 2;");
      fs.writeFileSync(path.join(mig, "20261201000000_a.sql"), "select 1;");
      const file = path.join(dir, "migrations.sha256");
      assert.equal(listInManifest([], mig, file).length, 2);
      assert.deepEqual(
        fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => l.split("  ")[1]),
        ["20261201000000_a.sql", "20261202000000_b.sql"],
      );
      assert.deepEqual(listInManifest([], mig, file), []);
      fs.writeFileSync(path.join(mig, "20261202000000_b.sql"), "select 3;");
      assert.equal(listInManifest(["20261202000000_b.sql"], mig, file).length, 1);
      assert.deepEqual(verifyManifest(fs.readFileSync(file, "utf8"), new Map([
        ["20261201000000_a.sql", sha256("select 1;")],
        ["20261202000000_b.sql", sha256("select 3;")],
      ])), []);
      assert.throws(() => listInManifest(["20261209000000_nope.sql"], mig, file), /no migration/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a new migration's version is the UTC time, and always after the last one", () => {
    assert.equal(nextVersion(["20261201000000_baseline.sql"], new Date("2026-12-02T03:04:05Z")), "20261202030405");
    assert.equal(nextVersion(["20270101000000_future.sql"], new Date("2026-12-02T03:04:05Z")), "20270101000001");
    assert.equal(nextVersion(["20261231235959_x.sql"], new Date("2026-01-01T00:00:00Z")), "20270101000000");
  });
});

const table = (name: string, rows: Record<string, string | null>[], opts: Partial<RegistryTable> = {}): RegistryTable => ({
  name,
  columns: ["test_name", "severity", "created_at"].map((c) => ({ name: c, type: c === "created_at" ? "timestamp with time zone" : "text", generated: false, identity: "" })),
  ignored: ["created_at"],
  key: ["test_name"],
  rows,
  ...opts,
});

describe("registry rows", () => {
  test("volatile defaults are recognised", () => {
    for (const d of ["now()", "CURRENT_TIMESTAMP", "gen_random_uuid()", "clock_timestamp()", "(now() + '1 day'::interval)"]) assert.ok(isVolatileDefault(d), d);
    for (const d of [null, "'supabase'::character varying", "CURRENT_USER", "'{}'::jsonb", "true"]) assert.ok(!isVolatileDefault(d), String(d));
  });

  test("rows differ by key: only on one side, or changed; volatile columns are not compared", () => {
    const a = table("warehouse.quality_tests", [
      { test_name: "a", severity: "error", created_at: "2026-12-01 10:00:00+00" },
      { test_name: "b", severity: "error", created_at: "x" },
    ]);
    const b = table("warehouse.quality_tests", [
      { test_name: "a", severity: "warn", created_at: "2026-12-01 10:00:05+00" },
      { test_name: "c", severity: "error", created_at: "y" },
    ]);
    assert.deepEqual(diffRows(a, b).map((c) => [c.kind, c.key.test_name, c.columns]), [
      ["changed", "a", ["severity"]],
      ["only-a", "b", undefined],
      ["only-b", "c", undefined],
    ]);
    const [diff] = compareRegistries(new Map([[a.name, a]]), new Map([[b.name, b]]));
    assert.equal(diff.object, "rows of warehouse.quality_tests");
    assert.deepEqual(diff.details, [
      "test_name=a: severity 'error' in the migrations, 'warn' in the tree",
      "test_name=b only in the migrations",
      "test_name=c only in the tree",
    ]);
    assert.deepEqual(compareRegistries(new Map([[a.name, a]]), new Map([[a.name, { ...a, rows: [...a.rows].reverse() }]])), []);
  });

  test("data statements: deletes children first, inserts parents first, cron jobs through pg_cron's API", () => {
    const cols = (names: string[]) => names.map((c) => ({ name: c, type: "text", generated: false, identity: "" }));
    const parentA = { name: "warehouse.sources", columns: cols(["source_name", "note"]), ignored: [], key: ["source_name"], rows: [{ source_name: "old", note: null }] };
    const parentB = { ...parentA, rows: [{ source_name: "new", note: "it's" }] };
    const childA = { name: "warehouse.source_columns", columns: cols(["source_name", "column_name"]), ignored: [], key: ["source_name", "column_name"], rows: [{ source_name: "old", column_name: "id" }] };
    const childB = { ...childA, rows: [{ source_name: "new", column_name: "id" }] };
    const cronCols = ["jobname", "schedule", "command", "active"].map((c) => ({ name: c, type: c === "active" ? "boolean" : "text", generated: false, identity: "" }));
    const cronA = { name: "cron.job", columns: cronCols, ignored: [], key: ["jobname"], rows: [{ jobname: "daily", schedule: "0 6 * * *", command: "call p()", active: "true" }, { jobname: "gone", schedule: "* * * * *", command: "select 1", active: "true" }] };
    const cronB = { ...cronA, rows: [{ jobname: "daily", schedule: "0 7 * * *", command: "call p()", active: "false" }] };
    const reg = (...ts: RegistryTable[]) => new Map(ts.map((t) => [t.name, t]));
    const out = dataStatements(reg(parentA, childA, cronA), reg(parentB, childB, cronB), [{ child: "warehouse.source_columns", parent: "warehouse.sources" }]);
    assert.deepEqual(out, [
      "delete from warehouse.source_columns where source_name = 'old' and column_name = 'id';",
      "delete from warehouse.sources where source_name = 'old';",
      "insert into warehouse.sources (source_name, note) values\n    ('new', 'it''s');",
      "insert into warehouse.source_columns (source_name, column_name) values\n    ('new', 'id');",
      "select cron.schedule('daily', '0 7 * * *', 'call p()');",
      "select cron.alter_job(job_id := (select jobid from cron.job where jobname = 'daily'), active := false);",
      "select cron.unschedule('gone');",
    ]);
    assert.deepEqual(orderByForeignKeys(["b", "a", "c"], [{ child: "a", parent: "c" }]), ["b", "c", "a"]);
  });

  test("literals", () => {
    assert.equal(pgLiteral(null), "null");
    assert.equal(pgLiteral("it's"), "'it''s'");
    assert.equal(pgLiteral("42", "integer"), "42");
    assert.equal(pgLiteral("true", "boolean"), "true");
    assert.equal(pgLiteral('{"a": 1}', "jsonb"), `'{"a": 1}'::jsonb`);
    assert.equal(pgLiteral("{a,b}", "text[]"), "'{a,b}'::text[]");
  });

  test("roles: created guarded before the DDL, settings and comments altered, dropped after", () => {
    const cols = ["rolname", "login", "settings", "member_of", "comment"].map((c) => ({ name: c, type: "text", generated: false, identity: "" }));
    const base = { rolname: "x", superuser: "false", inherit: "true", createrole: "false", createdb: "false", login: "false", replication: "false", bypassrls: "false", connection_limit: "-1", settings: null, member_of: null, comment: null };
    const a: RegistryTable = { name: "roles", columns: cols, ignored: [], key: ["rolname"], rows: [{ ...base, rolname: "old" }, { ...base, rolname: "same", settings: "search_path=marts" }] };
    const b: RegistryTable = { ...a, rows: [{ ...base, rolname: "new", member_of: "analyst_role" }, { ...base, rolname: "same", settings: "search_path=marts, staging", comment: "c" }] };
    const { before, after } = roleStatements(a, b);
    assert.match(before[0], /if not exists \(select 1 from pg_catalog\.pg_roles where rolname = 'new'\) then\n {8}create role new .*nologin/);
    assert.deepEqual(before.slice(1), ["grant analyst_role to new;", "alter role same set search_path = marts, staging;", "comment on role same is 'c';"]);
    assert.deepEqual(after, ["drop role if exists old;"]);
  });
});

describe("rewriting migra's statements", () => {
  test("ADD COLUMN statements follow the tree's column order", () => {
    const st = ['create table "s"."u" (a int);', 'alter table "s"."t" add column "b" int;', "select 1;", 'alter table "s"."t" add column "a" int;'];
    const pos: Record<string, number> = { a: 3, b: 2 };
    assert.deepEqual(orderAddedColumns(st, (_s, _t, c) => pos[c]), [st[0], st[1], st[2], st[3]]);
    pos.a = 1;
    assert.deepEqual(orderAddedColumns(st, (_s, _t, c) => pos[c]), [st[0], st[3], st[2], st[1]]);
  });

  test("functions and views are created after what they use", () => {
    const st = [
      "set check_function_bodies = off;",
      "CREATE OR REPLACE FUNCTION marts.a_rows(p bigint)\n RETURNS int\nBEGIN ATOMIC\n select marts.b_touched(p);\nEND;",
      "CREATE OR REPLACE FUNCTION marts.b_touched(p bigint)\n RETURNS int\n LANGUAGE sql\nAS $function$ select 1 $function$;",
      'create or replace view "staging"."v" as select marts.a_rows(1);',
    ];
    assert.equal(createdObject(st[3]), "staging.v");
    assert.deepEqual(orderByDependencies(st, [["marts.a_rows", "marts.b_touched"], ["staging.v", "marts.a_rows"]]), [st[0], st[2], st[1], st[3]]);
    assert.deepEqual(orderByDependencies(st, []), st);
  });

  test("an expression index on a function the migration creates comes after every function", () => {
    const st = [
      "CREATE INDEX idx_plain ON marts.m USING btree (a);",
      "CREATE INDEX idx_expr ON marts.m USING btree (marts.m__changes_on(a, b));",
      "CREATE OR REPLACE FUNCTION marts.m__changes_on(p_a date, p_b int)\n RETURNS date\n LANGUAGE sql\nAS $function$ select warehouse.h(p_a) $function$;",
      "CREATE OR REPLACE FUNCTION warehouse.h(p date)\n RETURNS date\n LANGUAGE sql\nAS $function$ select p $function$;",
      "CREATE INDEX idx_other ON marts.m USING btree (lower(c));",
    ];
    assert.deepEqual(indexesAfterTheirFunctions(st), [st[0], st[2], st[3], st[4], st[1]]);
    assert.deepEqual(indexesAfterTheirFunctions([st[0], st[4]]), [st[0], st[4]], "an index on a built-in function stays");
  });

  test("a NOT NULL column added to a table with rows waits for the registry rows; so does VALIDATE", () => {
    const st = [
      'alter table "warehouse"."models" add column "materialization" text not null;',
      'alter table "warehouse"."models" add column "kind" text not null default \'x\';',
      'alter table "warehouse"."empty" add column "c" text not null;',
      'alter table "warehouse"."models" add constraint "models_check" CHECK ((kind <> \'\')) not valid;',
      'alter table "warehouse"."models" validate constraint "models_check";',
    ];
    const { statements, deferred } = deferNotNull(st, new Set(["warehouse.models"]));
    assert.deepEqual(statements, ['alter table "warehouse"."models" add column "materialization" text;', st[1], st[2], st[3]]);
    assert.deepEqual(deferred, ['alter table "warehouse"."models" alter column "materialization" set not null;', st[4]]);
  });

  test("views and BEGIN ATOMIC functions are recreated from the tree's own text", () => {
    const defs = new Map([
      ["marts.v", [{ file: "/t/v.sql", sql: "create view marts.v with (security_invoker = true) as select 1 as one;" }]],
      ["marts.f", [{ file: "/t/f.sql", sql: "create function marts.f() returns int language sql begin atomic select 1; end;" }]],
      ["marts.g", [{ file: "/t/g.sql", sql: "create function marts.g() returns int language sql as $$ select 1 $$;" }]],
    ]);
    const st = [
      'create or replace view "marts"."v" as  SELECT 1 AS one;',
      "CREATE OR REPLACE FUNCTION marts.f()\n RETURNS integer\n LANGUAGE sql\nBEGIN ATOMIC\n SELECT 1;\nEND;",
      "CREATE OR REPLACE FUNCTION marts.g()\n RETURNS integer\n LANGUAGE sql\nAS $function$ select 1 $function$;",
    ];
    const out = useTreeText(st, defs, (f) => path.basename(f));
    assert.equal(out[0], "-- as written in v.sql\ncreate or replace view marts.v with (security_invoker = true) as select 1 as one;");
    assert.equal(out[1], "-- as written in f.sql\ncreate or replace function marts.f() returns int language sql begin atomic select 1; end;");
    assert.equal(out[2], st[2], "a function with a string body is exact as pg_get_functiondef prints it");
  });

  test("COMMENT ON targets from pg_identify_object", () => {
    assert.equal(commentTarget("table column", "warehouse.sources.note"), "column warehouse.sources.note");
    assert.equal(commentTarget("view column", "marts.v.a"), "column marts.v.a");
    assert.equal(commentTarget("table constraint", "c on warehouse.t"), "constraint c on warehouse.t");
    assert.equal(commentTarget("domain constraint", "c on s.d"), "constraint c on domain s.d");
    assert.equal(commentTarget("function", "warehouse.f(integer)"), "function warehouse.f(integer)");
  });
});
