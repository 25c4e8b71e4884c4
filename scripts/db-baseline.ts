// npm run db:baseline -- <name> — writes the whole source tree (supabase/schemas, in schema_paths order)
// as one migration, supabase/migrations/<timestamp>_<name>.sql, and lists it in the manifest. Used once,
// to replace the hand-written migrations with a baseline generated from the tree (nothing was deployed
// yet); it refuses while the folder holds any other migration. From then on: npm run db:migration.
// BEGIN ATOMIC functions are wrapped for the supabase CLI's statement splitter (scripts/lib/cli-safe-sql.ts).
import fs from "node:fs";
import path from "node:path";
import { runMain } from "./lib/cli.ts";
import { wrapAtomicBodies } from "./lib/cli-safe-sql.ts";
import { formatManifestLine, manifestPath, sha256 } from "./lib/manifest.ts";
import { migrationFiles, migrationsDir } from "./lib/migrations.ts";
import { readTree } from "./lib/schema-tree.ts";

runMain(() => {
  const name = process.argv[2];
  if (!name || !/^\d{14}_[a-z0-9_]+$/.test(name)) throw new Error("usage: npm run db:baseline -- <YYYYMMDDHHMMSS>_<name>");
  const dir = migrationsDir();
  const file = `${name}.sql`;
  const others = migrationFiles(dir).filter((f) => f !== file);
  if (others.length) throw new Error(`a baseline replaces every migration, and ${dir} holds others: ${others.join(", ")}`);
  const tree = readTree();
  const rule = `-- ${"=".repeat(95)}`;
  const parts = [
    "-- Baseline: the whole warehouse, generated from the source tree (supabase/schemas, in the order of",
    "-- schema_paths in supabase/config.toml) by `npm run db:baseline`. Do not edit: change the tree, then",
    "-- `npm run db:migration -- <name>`. BEGIN ATOMIC functions run from DO blocks (scripts/lib/cli-safe-sql.ts).",
    "",
    ...tree.relative.flatMap((rel, i) => [rule, `-- supabase/${rel}`, rule, "", wrapAtomicBodies(fs.readFileSync(tree.files[i], "utf8").trimEnd()), ""]),
  ];
  const text = parts.join("\n");
  fs.writeFileSync(path.join(dir, file), text);
  // the baseline is the only migration, so it is the whole manifest
  fs.writeFileSync(manifestPath(dir), `${formatManifestLine(sha256(text), file)}\n`);
  console.log(`db:baseline: wrote ${path.join(dir, file)} from ${tree.files.length} tree files; listed in ${manifestPath(dir)}`);
});
