// npm run docs — write the warehouse catalog (models, columns with their comments, tests, lineage as a
// Mermaid graph) to docs/catalog.md, from DATABASE_URL (default: the local cluster).
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { databaseUrl, loadEnv, projectRoot } from "./lib/config.ts";
import { runMain } from "./lib/cli.ts";
import { readCatalog, renderCatalog } from "./lib/catalog.ts";

runMain(async () => {
  const sql = postgres(databaseUrl(loadEnv()), { max: 1, onnotice: () => {} });
  try {
    const catalog = await readCatalog(sql);
    const file = path.join(projectRoot, "docs", "catalog.md");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, renderCatalog(catalog));
    console.log(`wrote ${path.relative(projectRoot, file)}: ${catalog.models.length} models, ${catalog.tables.length} tables, ${catalog.tests.length} tests`);
  } finally {
    await sql.end();
  }
});
