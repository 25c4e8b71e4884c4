// The schema tree: the ordered SQL files that `schema_paths` in the [db.migrations] section of
// supabase/config.toml lists (globs relative to supabase/). Each entry expands in lexicographic order;
// a file matched twice is applied once, at its first position (Supabase's declarative-schema rule).
// Applying the tree = running those files in order with psql (ON_ERROR_STOP) on a bootstrapped cluster.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { loadEnv, projectRoot } from "./config.ts";

/** The config.toml whose schema_paths define the tree (WAREHOUSE_SCHEMA_CONFIG, default supabase/config.toml). */
export function schemaConfigPath(): string {
  const configured = loadEnv().WAREHOUSE_SCHEMA_CONFIG;
  return configured ? path.resolve(configured) : path.join(projectRoot, "supabase", "config.toml");
}

// ---------------------------------------------------------------------------------------------
// schema_paths: a small reader for that one TOML array
// ---------------------------------------------------------------------------------------------

/** Reads a TOML basic ("...") or literal ('...') string starting at `i`; returns its value and the index after it. */
function readTomlString(text: string, i: number): { value: string; end: number } {
  const quote = text[i];
  const triple = text.startsWith(quote.repeat(3), i);
  if (triple) throw new Error("multi-line strings are not supported in schema_paths");
  let value = "";
  let j = i + 1;
  while (j < text.length) {
    const ch = text[j];
    if (ch === "\n") break;
    if (ch === quote) return { value, end: j + 1 };
    if (quote === '"' && ch === "\\") {
      const next = text[j + 1];
      const simple: Record<string, string> = { '"': '"', "\\": "\\", n: "\n", t: "\t", r: "\r", b: "\b", f: "\f" };
      if (next in simple) {
        value += simple[next];
        j += 2;
        continue;
      }
      if (next === "u" || next === "U") {
        const len = next === "u" ? 4 : 8;
        value += String.fromCodePoint(parseInt(text.slice(j + 2, j + 2 + len), 16));
        j += 2 + len;
        continue;
      }
      throw new Error(`invalid escape \\${next} in schema_paths`);
    }
    value += ch;
    j++;
  }
  throw new Error("unterminated string in schema_paths");
}

/**
 * The `schema_paths` array of the [db.migrations] table of a config.toml text, in order. A missing
 * key or an empty array gives []. Only what that array needs of TOML is read: strings, commas,
 * comments and line breaks.
 */
export function parseSchemaPaths(toml: string): string[] {
  const lines = toml.split(/\r?\n/);
  let inSection = false;
  let offset = 0;
  let start = -1;
  for (const line of lines) {
    const header = /^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$/.exec(line);
    if (header && !line.trim().startsWith("[[")) {
      inSection = header[1].replace(/\s+/g, "") === "db.migrations";
    } else if (inSection) {
      const key = /^\s*(?:schema_paths|"schema_paths")\s*=\s*/.exec(line);
      if (key) {
        start = offset + key[0].length;
        break;
      }
    }
    offset += line.length + 1;
  }
  if (start < 0) return [];
  const text = toml.replace(/\r\n/g, "\n");
  let i = start;
  if (text[i] !== "[") throw new Error("schema_paths in [db.migrations] is not an array");
  i++;
  const paths: string[] = [];
  let expectValue = true;
  while (i < text.length) {
    const ch = text[i];
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") {
      i++;
    } else if (ch === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (ch === "]") {
      return paths;
    } else if (ch === ",") {
      if (expectValue) throw new Error("schema_paths: a comma without a value before it");
      expectValue = true;
      i++;
    } else if (ch === '"' || ch === "'") {
      if (!expectValue) throw new Error("schema_paths: a missing comma between two strings");
      const { value, end } = readTomlString(text, i);
      paths.push(value);
      expectValue = false;
      i = end;
    } else {
      throw new Error(`schema_paths: unexpected ${JSON.stringify(ch)} (only strings are allowed)`);
    }
  }
  throw new Error("schema_paths: the array is not closed with ]");
}

// ---------------------------------------------------------------------------------------------
// Globs: `*` and `?` within one path segment, `**` for any number of segments
// ---------------------------------------------------------------------------------------------

function escapeRegExp(s: string): string {
  return s.replace(/[.+^${}()|[\]\\]/g, "\\$&");
}

/** A RegExp for a glob over '/'-separated relative paths. */
export function globToRegExp(glob: string): RegExp {
  const segments = normaliseGlob(glob).split("/");
  let re = "";
  segments.forEach((seg, idx) => {
    const last = idx === segments.length - 1;
    if (seg === "**") {
      // zero or more whole segments
      re += last ? ".*" : "(?:[^/]+/)*";
      return;
    }
    let part = "";
    for (const ch of seg) {
      if (ch === "*") part += "[^/]*";
      else if (ch === "?") part += "[^/]";
      else part += escapeRegExp(ch);
    }
    re += part + (last ? "" : "/");
  });
  return new RegExp(`^${re}$`);
}

/** "./schemas//x/" -> "schemas/x" (relative, '/'-separated, no dot segments at the start). */
function normaliseGlob(glob: string): string {
  let g = glob.replace(/\\/g, "/").replace(/\/+/g, "/");
  while (g.startsWith("./")) g = g.slice(2);
  return g.replace(/\/$/, "");
}

function hasMagic(glob: string): boolean {
  return /[*?]/.test(glob);
}

/**
 * Expands the patterns over `files` (every file under the base folder, relative, '/'-separated) in
 * order: each pattern's matches sorted lexicographically, a file already matched kept at its first
 * position. A pattern naming a folder means every .sql file under it. A pattern that matches
 * nothing is an error (as in the supabase CLI).
 */
export function expandGlobs(patterns: string[], files: string[]): string[] {
  const result: string[] = [];
  const seen = new Set<string>();
  const unmatched: string[] = [];
  const sorted = [...files].sort();
  for (const pattern of patterns) {
    const glob = normaliseGlob(pattern);
    let matches: string[];
    if (hasMagic(glob)) {
      const re = globToRegExp(glob);
      matches = sorted.filter((f) => re.test(f));
    } else {
      matches = sorted.filter((f) => f === glob);
      if (matches.length === 0) matches = sorted.filter((f) => f.startsWith(`${glob}/`) && f.endsWith(".sql"));
    }
    if (matches.length === 0) unmatched.push(pattern);
    for (const m of matches) {
      if (seen.has(m)) continue;
      seen.add(m);
      result.push(m);
    }
  }
  if (unmatched.length) throw new Error(`schema_paths: no files matched ${unmatched.map((p) => JSON.stringify(p)).join(", ")}`);
  return result;
}

/** Every file under `dir`, relative to it, '/'-separated (hidden folders and node_modules left out). */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) out.push(child);
    }
  };
  walk("");
  return out.sort();
}

export interface Tree {
  /** The config.toml read. */
  config: string;
  /** Its folder: what the patterns and `relative` are relative to. */
  base: string;
  patterns: string[];
  /** The files, in the order they are applied: absolute paths. */
  files: string[];
  /** The same, relative to `base` (e.g. schemas/engine/schemas.sql). */
  relative: string[];
}

/** The tree that a config.toml defines (default: schemaConfigPath()). */
export function readTree(config = schemaConfigPath()): Tree {
  if (!fs.existsSync(config)) throw new Error(`no schema config at ${config}`);
  const patterns = parseSchemaPaths(fs.readFileSync(config, "utf8"));
  const base = path.dirname(config);
  if (patterns.length === 0) {
    throw new Error(`${path.relative(projectRoot, config) || config}: schema_paths in [db.migrations] is empty, so there is no schema tree`);
  }
  const relative = expandGlobs(patterns, listFiles(base));
  return { config, base, patterns, files: relative.map((f) => path.join(base, f)), relative };
}

/** The tree's files in the order they are applied (absolute paths). */
export function treeFiles(config = schemaConfigPath()): string[] {
  return readTree(config).files;
}

/** Runs one SQL file with psql (ON_ERROR_STOP, no psqlrc) without blocking the event loop. */
export function psqlFileAsync(url: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("psql", ["-X", "-v", "ON_ERROR_STOP=1", "-q", "-d", url, "-f", file], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`psql -f ${file} failed:\n${stderr.trim()}`));
    });
  });
}

/** Applies the tree to `url`: its files in order, each in its own psql session, stopping at the first error. */
export async function applyTree(url: string, files = treeFiles()): Promise<void> {
  for (const file of files) {
    try {
      await psqlFileAsync(url, file);
    } catch (err) {
      throw new Error(`applying the schema tree failed at ${path.relative(projectRoot, file)}: ${(err as Error).message}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Statements of a tree file
// ---------------------------------------------------------------------------------------------

/**
 * Splits SQL text into statements as psql does: at semicolons outside quotes ('…', E'…', "…",
 * $tag$…$tag$), comments (line comments and nested block comments) and parentheses, and outside the BEGIN … END body of
 * CREATE FUNCTION/PROCEDURE (psql's own heuristic: BEGIN, and CASE inside it, open; END closes).
 * Each statement keeps its text up to and including the semicolon; leading blank lines and comments
 * are dropped. A trailing statement without a semicolon is returned too.
 */
export function splitSql(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  let paren = 0;
  let beginDepth = 0;
  let idents: string[] = [];
  const n = sql.length;
  const push = (end: number) => {
    const text = stripLeadingComments(sql.slice(start, end));
    if (text) out.push(text);
    start = end;
    paren = 0;
    beginDepth = 0;
    idents = [];
  };
  while (i < n) {
    const ch = sql[i];
    const next = sql[i + 1];
    if (ch === "-" && next === "-") {
      while (i < n && sql[i] !== "\n") i++;
    } else if (ch === "/" && next === "*") {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === "/" && sql[i + 1] === "*") {
          depth++;
          i += 2;
        } else if (sql[i] === "*" && sql[i + 1] === "/") {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (ch === "'") {
      const escapes = i > 0 && /[eE]/.test(sql[i - 1]) && !/[A-Za-z0-9_]/.test(sql[i - 2] ?? "");
      i++;
      while (i < n) {
        if (escapes && sql[i] === "\\") i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      i++;
    } else if (ch === '"') {
      i++;
      while (i < n) {
        if (sql[i] === '"' && sql[i + 1] === '"') i += 2;
        else if (sql[i] === '"') break;
        else i++;
      }
      i++;
    } else if (ch === "$" && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? "")) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close < 0 ? n : close + tag[0].length;
      } else i++;
    } else if (ch === "(") {
      paren++;
      i++;
    } else if (ch === ")") {
      paren = Math.max(0, paren - 1);
      i++;
    } else if (ch === ";" && paren === 0 && beginDepth === 0) {
      push(i + 1);
      i++;
    } else if (/[A-Za-z_]/.test(ch) && !/[A-Za-z0-9_$]/.test(sql[i - 1] ?? "")) {
      let j = i;
      while (j < n && /[A-Za-z0-9_$]/.test(sql[j])) j++;
      const word = sql.slice(i, j).toLowerCase();
      if (idents.length < 4) idents.push(word);
      const routine =
        idents[0] === "create" &&
        (idents[1] === "function" || idents[1] === "procedure" || (idents[1] === "or" && idents[2] === "replace" && (idents[3] === "function" || idents[3] === "procedure")));
      if (routine && paren === 0) {
        if (word === "begin") beginDepth++;
        else if (word === "case" && beginDepth >= 1) beginDepth++;
        else if (word === "end" && beginDepth > 0) beginDepth--;
      }
      i = j;
    } else {
      i++;
    }
  }
  push(n);
  return out;
}

function stripLeadingComments(text: string): string {
  let t = text;
  for (;;) {
    const trimmed = t.replace(/^\s+/, "");
    if (trimmed.startsWith("--")) {
      const nl = trimmed.indexOf("\n");
      t = nl < 0 ? "" : trimmed.slice(nl + 1);
    } else if (trimmed.startsWith("/*")) {
      let depth = 0;
      let k = 0;
      do {
        if (trimmed.startsWith("/*", k)) {
          depth++;
          k += 2;
        } else if (trimmed.startsWith("*/", k)) {
          depth--;
          k += 2;
        } else k++;
      } while (depth > 0 && k < trimmed.length);
      t = trimmed.slice(k);
    } else {
      return trimmed.replace(/\s+$/, "");
    }
  }
}

export interface TreeDefinition {
  /** The tree file (absolute path). */
  file: string;
  /** The statement as written. */
  sql: string;
}

const part = `(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const definitionRe = new RegExp(
  `^create\\s+(?:or\\s+replace\\s+)?(?:(?:temp|temporary|recursive)\\s+)*(function|procedure|view|materialized\\s+view)\\s+(${part})\\s*\\.\\s*(${part})`,
  "i",
);

function identifier(p: string): string {
  return p.startsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p.toLowerCase();
}

/** The CREATE FUNCTION/PROCEDURE/VIEW statements of the tree by "schema.name" (qualified names only), in tree order. */
export function treeDefinitions(files: string[]): Map<string, TreeDefinition[]> {
  const defs = new Map<string, TreeDefinition[]>();
  for (const file of files) {
    for (const sql of splitSql(fs.readFileSync(file, "utf8"))) {
      const m = definitionRe.exec(sql);
      if (!m) continue;
      const key = `${identifier(m[2])}.${identifier(m[3])}`;
      defs.set(key, [...(defs.get(key) ?? []), { file, sql }]);
    }
  }
  return defs;
}
