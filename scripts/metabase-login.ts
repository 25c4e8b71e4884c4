// npm run metabase:login — create (or update) the read-only database login Metabase uses: a member of
// analyst_role (marts only, row-level security applies), read-only, unqualified names in marts.
// The password comes from METABASE_DB_PASSWORD, never from a migration or the command line.
import postgres from "postgres";
import { z } from "zod";
import { databaseUrl, loadEnv } from "./lib/config.ts";
import { runMain } from "./lib/cli.ts";

const metabaseEnv = z.object({
  METABASE_DB_USER: z.string().regex(/^[a-z_][a-z0-9_]*$/, "a lowercase role name").default("metabase_reader"),
  METABASE_DB_PASSWORD: z.string().min(12, "at least 12 characters"),
});

export async function ensureMetabaseLogin(url: string, user: string, password: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.begin(async (tx) => {
      const [exists] = await tx`select 1 from pg_roles where rolname = ${user}`;
      // DDL takes no bind parameters: the name is a checked identifier, the password a quoted literal.
      const literal = `'${password.replace(/'/g, "''")}'`;
      await tx.unsafe(`${exists ? "alter" : "create"} role ${user} login password ${literal} connection limit 10`);
      await tx.unsafe(`grant analyst_role to ${user}`);
      await tx.unsafe(`alter role ${user} set search_path = marts`);
      await tx.unsafe(`alter role ${user} set default_transaction_read_only = on`);
      await tx.unsafe(`alter role ${user} set statement_timeout = '60s'`);
      await tx.unsafe(`comment on role ${user} is 'Metabase: read-only login, member of analyst_role (marts only).'`);
    });
  } finally {
    await sql.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runMain(async () => {
    const parsed = metabaseEnv.safeParse(process.env);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${issue.path.join(".")}: ${issue.message} (set it in the environment)`);
    }
    const { METABASE_DB_USER: user, METABASE_DB_PASSWORD: password } = parsed.data;
    await ensureMetabaseLogin(databaseUrl(loadEnv()), user, password);
    console.log(`login ${user} is ready: member of analyst_role, read-only, search_path marts`);
  });
}
