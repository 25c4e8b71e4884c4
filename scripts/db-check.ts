// npm run db:check — prove that the migrations and the schema tree give the same database.
//   1. the manifest of landed migrations (supabase/migrations.sha256): no listed migration changed or
//      went missing, and every migration file is listed;
//   2. two throwaway clusters, one from supabase/migrations (the supabase CLI), one from the tree
//      (schema_paths in supabase/config.toml, psql file by file), compared: the catalog as pg_dump
//      --schema-only prints it, object by object; the rows of every table in schema warehouse and of
//      cron.job; the roles.
// Exit 0 when they match; 1 naming each difference. WAREHOUSE_SCHEMA_CONFIG, WAREHOUSE_MIGRATIONS_DIR
// and WAREHOUSE_MIGRATIONS_MANIFEST point it at another tree, migrations folder or manifest.
import { runMain } from "./lib/cli.ts";
import { checkManifest, manifestPath } from "./lib/manifest.ts";
import { migrationFiles, migrationsDir } from "./lib/migrations.ts";
import { compareMigrationsWithTree, display } from "./lib/schema-check.ts";
import { formatDifferences } from "./lib/schema-compare.ts";

runMain(async () => {
  const dir = migrationsDir();
  const problems = checkManifest(dir);
  if (problems.length) {
    console.log(`db:check: the manifest ${display(manifestPath(dir))} does not match the migrations:`);
    for (const p of problems) console.log(`  ${p}`);
  } else {
    console.log(`db:check: the manifest ${display(manifestPath(dir))} lists the ${migrationFiles(dir).length} migrations unchanged`);
  }
  const { differences, tree } = await compareMigrationsWithTree();
  const what = `the migrations (${migrationFiles(dir).length} files in ${display(dir)}) and the schema tree (${tree.files.length} files from ${display(tree.config)})`;
  if (differences.length) {
    console.log(`db:check: ${what} give different databases:`);
    console.log(formatDifferences(differences).replace(/^/gm, "  "));
    console.log(`db:check: ${differences.length} difference${differences.length === 1 ? "" : "s"}; \`npm run db:migration -- <name>\` writes a migration for the tree's side`);
  } else {
    console.log(`db:check: ${what} give the same database (catalog, registry rows, cron jobs, roles)`);
  }
  if (problems.length || differences.length) {
    if (problems.length) console.log(`db:check: ${problems.length} manifest problem${problems.length === 1 ? "" : "s"}`);
    process.exitCode = 1;
  } else {
    console.log("db:check: ok");
  }
});
