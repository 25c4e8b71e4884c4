// Running SQL as an analyst does: role analyst_role (row-level security applies), unqualified names
// resolving in marts. Used by the summary of npm start and by the end-to-end tests.
import fs from "node:fs";
import path from "node:path";
import type { Sql } from "postgres";
import { projectRoot } from "./config.ts";

export async function asAnalyst<T>(sql: Sql, text: string): Promise<T[]> {
  return (await sql.begin(async (tx) => {
    await tx`set local role analyst_role`;
    await tx`set local search_path = marts`;
    return await tx.unsafe(text);
  })) as unknown as T[];
}

/** A file of sql/analyst (the seed's example queries), as written there. */
export function analystQuery(name: string): string {
  return fs.readFileSync(path.join(projectRoot, "sql", "analyst", `${name}.sql`), "utf8");
}
