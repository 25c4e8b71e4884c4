// Two throwaway clusters, built at the same time: one from the migrations, one from the schema tree.
// db:check compares them; db:migration diffs them. The clusters are always stopped and removed, on an
// error and on Ctrl-C too.
import path from "node:path";
import { projectRoot } from "./config.ts";
import { applyMigrations, migrationFiles, migrationsDir } from "./migrations.ts";
import { type Capture, capture, compareCaptures, connect, cronRuns, type Difference } from "./schema-compare.ts";
import { applyTree, readTree, type Tree } from "./schema-tree.ts";
import { startThrowaway, type Throwaway } from "./throwaway.ts";

export interface Pair {
  tree: Tree;
  migrationsDir: string;
  /** The cluster built from the migrations. */
  migrations: Throwaway;
  /** The cluster built from the tree. */
  treeDb: Throwaway;
}

export function display(p: string): string {
  const rel = path.relative(projectRoot, p);
  return rel && !rel.startsWith("..") ? rel : p;
}

/**
 * Starts the two clusters (no migrations), applies the migrations to one and the tree to the other in
 * parallel, runs `fn`, and stops both whatever happens.
 */
export async function withPair<T>(fn: (pair: Pair) => Promise<T>, log: (line: string) => void = console.error): Promise<T> {
  const tree = readTree();
  const dir = migrationsDir();
  if (migrationFiles(dir).length === 0) throw new Error(`no migrations in ${display(dir)}`);
  const started: Throwaway[] = [];
  const stopAll = () => {
    while (started.length) {
      const c = started.pop()!;
      try {
        c.stop();
      } catch (err) {
        console.error(`could not stop the cluster in ${c.dir}: ${(err as Error).message}`);
      }
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    stopAll();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    log(`starting two throwaway clusters`);
    // one after the other: startThrowaway's setup is synchronous, and two at once could pick the same port
    started.push(await startThrowaway("check-migrations", { migrate: false }));
    started.push(await startThrowaway("check-tree", { migrate: false }));
    const [migrations, treeDb] = started;
    log(`applying ${migrationFiles(dir).length} migrations (${display(dir)}) and ${tree.files.length} tree files (${display(tree.config)}) in parallel`);
    await Promise.all([applyMigrations(migrations.url, dir), applyTree(treeDb.url, tree.files)]);
    return await fn({ tree, migrationsDir: dir, migrations, treeDb });
  } finally {
    stopAll();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** Thrown when a pg_cron job fired on a cluster while it was being compared (its effects would show as differences). */
export class CronFired extends Error {}

/** Captures both clusters; throws CronFired when a pg_cron job ran on either meanwhile. */
export async function capturePair(pair: Pair): Promise<{ migrations: Capture; tree: Capture }> {
  const [migrations, tree] = await Promise.all([capture(pair.migrations.url), capture(pair.treeDb.url)]);
  await assertNoCronRuns(pair);
  return { migrations, tree };
}

export async function assertNoCronRuns(pair: Pair): Promise<void> {
  for (const c of [pair.migrations, pair.treeDb]) {
    const sql = connect(c.url);
    try {
      if ((await cronRuns(sql)) > 0) throw new CronFired("a pg_cron job fired on a throwaway cluster during the comparison");
    } finally {
      await sql.end();
    }
  }
}

/** Runs `fn` on a fresh pair; when a pg_cron job fired meanwhile, once more on another fresh pair. */
export async function withQuietPair<T>(fn: (pair: Pair) => Promise<T>, log: (line: string) => void = console.error): Promise<T> {
  try {
    return await withPair(fn, log);
  } catch (err) {
    if (!(err instanceof CronFired)) throw err;
    log(`${err.message}; starting again`);
    return await withPair(fn, log);
  }
}

/** The differences between the migrations and the tree. */
export async function compareMigrationsWithTree(log: (line: string) => void = console.error): Promise<{ differences: Difference[]; tree: Tree; migrationsDir: string }> {
  return withQuietPair(async (pair) => {
    const { migrations, tree } = await capturePair(pair);
    return { differences: compareCaptures(migrations, tree), tree: pair.tree, migrationsDir: pair.migrationsDir };
  }, log);
}
