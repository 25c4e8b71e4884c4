// npm run docs — write the warehouse catalog (models, columns with their comments, tests, lineage as a
// Mermaid graph) to docs/catalog.md, from DATABASE_URL (default: the local cluster).
import postgres from "postgres";
import { databaseUrl, loadEnv } from "./lib/config.ts";
import { runMain } from "./lib/cli.ts";
import { writeCatalog } from "./lib/catalog.ts";

runMain(async () => {
  const sql = postgres(databaseUrl(loadEnv()), { max: 1, onnotice: () => {} });
  try {
    console.log(await writeCatalog(sql));
  } finally {
    await sql.end();
  }
});
