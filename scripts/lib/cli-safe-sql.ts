// Migrations are applied by the supabase CLI (`supabase db push`), whose statement splitter (2.117, the
// version pinned here; supabase/cli#3474, #6562) ends a SQL-standard function body (BEGIN ATOMIC … END)
// at the first END it meets after a nested parenthesis — a CASE … END inside a CTE, say — and then fails
// with "syntax error at end of input". psql has no such trouble, so the tree keeps plain SQL; every
// migration written from it wraps each BEGIN ATOMIC function in a DO block that EXECUTEs it, which the
// splitter passes through whole. The function created is the same (pg_dump and db:check agree).
//
// Convention the wrapper relies on (the tree follows it): such a function starts with a line
// `create [or replace] function|procedure …`, has a line `begin atomic`, and ends with a line `end;`.

const startPattern = /^create\s+(or\s+replace\s+)?(function|procedure)\s/i;
const atomicPattern = /^\s*begin\s+atomic\s*$/i;
const dollarBodyPattern = /(^|\s)as\s+\$[a-z_]*\$/i;
const endPattern = /^end;\s*$/i;

/** Wraps every BEGIN ATOMIC function or procedure of `sql` in `do $atomic$ … execute $body$ … $body$ … $atomic$`. */
export function wrapAtomicBodies(sql: string): string {
  const lines = sql.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!startPattern.test(lines[i])) {
      out.push(lines[i]);
      continue;
    }
    let j = i;
    let atomic = false;
    for (; j < lines.length; j++) {
      if (atomicPattern.test(lines[j])) {
        atomic = true;
        break;
      }
      if (dollarBodyPattern.test(lines[j]) || (j > i && startPattern.test(lines[j]))) break;
    }
    if (!atomic) {
      out.push(lines[i]);
      continue;
    }
    let k = j + 1;
    while (k < lines.length && !endPattern.test(lines[k])) k++;
    if (k === lines.length) throw new Error(`a BEGIN ATOMIC body starting "${lines[i].trim()}" has no closing line "end;"`);
    const statement = lines.slice(i, k + 1).join("\n");
    if (/\$atomic\$|\$body\$/.test(statement)) throw new Error(`"${lines[i].trim()}" uses the $atomic$ or $body$ quote the wrapper needs`);
    out.push("do $atomic$", "begin", "    execute $body$", ...lines.slice(i, k), "end", "$body$;", "end", "$atomic$;");
    i = k;
  }
  return out.join("\n");
}
