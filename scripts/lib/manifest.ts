// The manifest of landed migrations: one line `<sha256>  <file>` per migration file (sha256sum's
// format, so `cd supabase/migrations && sha256sum -c ../migrations.sha256` checks it too). A landed
// migration never changes: db:check fails when a listed file changed or is missing, or when a
// migration file is not listed. db:migration lists the files it writes.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { loadEnv, projectRoot } from "./config.ts";
import { migrationFiles, migrationsDir } from "./migrations.ts";

/** The manifest (WAREHOUSE_MIGRATIONS_MANIFEST, default: beside the migrations folder, <folder>.sha256). */
export function manifestPath(dir = migrationsDir()): string {
  const configured = loadEnv().WAREHOUSE_MIGRATIONS_MANIFEST;
  return configured ? path.resolve(configured) : `${dir.replace(/\/+$/, "")}.sha256`;
}

export function sha256(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

export function formatManifestLine(hash: string, file: string): string {
  return `${hash}  ${file}`;
}

export interface ParsedManifest {
  entries: Map<string, string>;
  errors: string[];
}

/** Reads the manifest's lines; a malformed or repeated line is an error (blank lines are allowed). */
export function parseManifest(text: string): ParsedManifest {
  const entries = new Map<string, string>();
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((line, idx) => {
    if (!line.trim()) return;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) {
      errors.push(`manifest line ${idx + 1} is not "<sha256>  <file>": ${JSON.stringify(line)}`);
      return;
    }
    const file = m[2].trim();
    if (entries.has(file)) errors.push(`manifest lists ${file} twice`);
    entries.set(file, m[1]);
  });
  return { entries, errors };
}

/**
 * What is wrong between a manifest (its text, or null when it does not exist) and the migration
 * files present (file name -> sha256 of its content). Empty when everything matches.
 */
export function verifyManifest(manifest: string | null, present: Map<string, string>, manifestName = "the manifest"): string[] {
  if (manifest === null) {
    return [`${manifestName} does not exist: create it with \`npm run db:migration -- --manifest\` (lists every migration file present)`];
  }
  const { entries, errors } = parseManifest(manifest);
  const problems = [...errors];
  for (const [file, hash] of entries) {
    const now = present.get(file);
    if (now === undefined) {
      problems.push(`migration ${file} is listed in ${manifestName} but missing`);
    } else if (now !== hash) {
      problems.push(
        `migration ${file} changed since it landed (listed sha256 ${hash.slice(0, 12)}…, now ${now.slice(0, 12)}…): ` +
          "a landed migration must not change; restore it and put the change in a new migration",
      );
    }
  }
  for (const file of [...present.keys()].sort()) {
    if (!entries.has(file)) {
      problems.push(
        `migration ${file} is not listed in ${manifestName}: db:migration lists what it writes; ` +
          `list a hand-written one with \`npm run db:migration -- --manifest ${file}\``,
      );
    }
  }
  return problems;
}

/** sha256 of every migration file in `dir`. */
export function migrationHashes(dir = migrationsDir()): Map<string, string> {
  return new Map(migrationFiles(dir).map((f) => [f, sha256(fs.readFileSync(path.join(dir, f)))]));
}

function displayPath(p: string): string {
  const rel = path.relative(projectRoot, p);
  return rel && !rel.startsWith("..") ? rel : p;
}

/** The manifest problems of the migrations folder (empty when it is in order). */
export function checkManifest(dir = migrationsDir(), file = manifestPath(dir)): string[] {
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
  return verifyManifest(text, migrationHashes(dir), displayPath(file));
}

/** Whether the manifest as committed at git HEAD lists `migration` (then it has landed). */
function listedAtHead(file: string, migration: string): boolean {
  const rel = path.relative(projectRoot, file);
  if (rel.startsWith("..")) return false;
  try {
    const text = execFileSync("git", ["show", `HEAD:${rel}`], { cwd: projectRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return parseManifest(text).entries.has(migration);
  } catch {
    return false;
  }
}

/**
 * Lists migration files in the manifest (creating it when missing): the named ones, or, with none
 * named, every file not yet listed. A file already listed is re-hashed only while it has not landed
 * (the manifest at git HEAD does not list it), e.g. a generated migration edited before its commit.
 * Returns the lines written.
 */
export function listInManifest(names: string[] = [], dir = migrationsDir(), file = manifestPath(dir)): string[] {
  const present = migrationHashes(dir);
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const { entries, errors } = parseManifest(text);
  if (errors.length) throw new Error(`fix ${displayPath(file)} first: ${errors.join("; ")}`);
  const wanted = names.length ? names.map((n) => path.basename(n)) : [...present.keys()].filter((f) => !entries.has(f));
  const written: string[] = [];
  for (const name of wanted) {
    const hash = present.get(name);
    if (hash === undefined) throw new Error(`no migration ${name} in ${displayPath(dir)}`);
    if (entries.get(name) === hash) continue;
    if (entries.has(name) && listedAtHead(file, name)) {
      throw new Error(`migration ${name} has landed (the committed manifest lists it): it must not change; write a new migration`);
    }
    entries.set(name, hash);
    written.push(formatManifestLine(hash, name));
  }
  const lines = [...entries].sort(([a], [b]) => a.localeCompare(b)).map(([f, h]) => formatManifestLine(h, f));
  fs.writeFileSync(file, lines.length ? `${lines.join("\n")}\n` : "");
  return written;
}
