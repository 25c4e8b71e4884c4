// npm run report [-- --out path] — the warehouse report: one self-contained HTML page (inline CSS and
// SVG charts, nothing fetched when it is opened) of the KPI views and the latest run's health, read from
// the marts schema as an analyst would, against DATABASE_URL (default: the local cluster). Writes
// reports/warehouse-report.html unless --out says otherwise, and prints the path.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { databaseUrl, loadEnv, projectRoot } from "./lib/config.ts";
import { runMain } from "./lib/cli.ts";
import { readReportData, renderReport } from "./lib/report.ts";

runMain(async () => {
  const { values } = parseArgs({ options: { out: { type: "string" } } });
  if (values.out !== undefined && values.out.trim() === "") throw new Error("--out: expected a file path");
  const out = path.resolve(values.out ?? path.join(projectRoot, "reports", "warehouse-report.html"));
  const sql = postgres(databaseUrl(loadEnv()), { max: 1, onnotice: () => {} });
  try {
    const data = await readReportData(sql);
    if (data.health.layerRowsUnavailable) console.error(`warning: ${data.health.layerRowsUnavailable}`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, renderReport(data, { generatedAt: new Date() }));
    console.log(out);
  } finally {
    await sql.end();
  }
});
