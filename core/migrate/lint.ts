import { readMigrations } from "./files.ts";
import type { LintIssue, MigrationSet } from "./files.ts";

/**
 * Up files must be backward compatible: the code already running keeps working while (and after)
 * the file runs. A step that breaks old code (a drop, a rename, a type change, a new NOT NULL)
 * belongs in a contract step, shipped once no running code needs the old shape. Such a file says
 * so on its first line:
 *
 *   -- migrate:contract <why it is safe now>
 *
 * Down files are not linted: undoing an up is destructive by nature.
 */
export const CONTRACT_MARKER = "-- migrate:contract";

const NAME = String.raw`(?:"(?:[^"]|"")*"|[\w$]+)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[\w$]+))?`;
const CREATE_TABLE = new RegExp(
  String.raw`^CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(${NAME})`,
  "i",
);
const CREATE_INDEX = new RegExp(
  String.raw`^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?:(?!ON\s)${NAME}\s+)?ON\s+(?:ONLY\s+)?(${NAME})`,
  "i",
);
const ALTER_TABLE = new RegExp(String.raw`^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?${NAME}\s*\*?\s*`, "i");
const ADD_COLUMN = /^ADD\s+(?!(?:CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN|EXCLUDE)\b)/i;

type Statement = { text: string; offset: number };

/** Lints a folder: the set (names, pairs, sequence) and every up file's text. */
export async function lintMigrations(dir: string): Promise<LintIssue[]> {
  return lintMigrationSet(await readMigrations(dir));
}

export function lintMigrationSet(set: MigrationSet): LintIssue[] {
  const issues = [...set.issues];
  for (const migration of set.migrations) {
    if (migration.up) issues.push(...lintUpSql(migration.up.file, migration.up.sql));
  }
  return issues;
}

/** Checks one up file's text; no database involved. */
export function lintUpSql(file: string, sql: string): LintIssue[] {
  if (sql.trimStart().split("\n", 1)[0]?.trim().startsWith(CONTRACT_MARKER)) return [];
  const masked = mask(sql);
  const statements = splitStatements(masked);
  const created = new Set<string>();
  const issues: LintIssue[] = [];
  const report = (offset: number, message: string) =>
    issues.push({ file, line: lineAt(sql, offset), message: `${message}; if this is a contract step, start the file with "${CONTRACT_MARKER}"` });

  for (const { text, offset } of statements) {
    const table = CREATE_TABLE.exec(text);
    if (table) created.add(normalizeName(table[1] as string));

    const drop = /^DROP\s+(\w+(?:\s+\w+)?)/i.exec(text);
    if (drop) report(offset, `DROP ${objectKind(drop[1] as string)} is destructive`);

    if (/^ALTER\b/i.test(text)) {
      const rename = /\bRENAME\b/i.exec(text);
      if (rename) report(offset + rename.index, "RENAME breaks code that uses the old name");
    }

    const alter = ALTER_TABLE.exec(text);
    if (alter) {
      for (const action of splitTopLevel(text.slice(alter[0].length), offset + alter[0].length)) {
        lintAlterAction(action, report);
      }
    }

    const index = CREATE_INDEX.exec(text);
    if (index) {
      const concurrently = index[1] !== undefined;
      const onTable = normalizeName(index[2] as string);
      if (concurrently && statements.length > 1) {
        report(offset, "CREATE INDEX CONCURRENTLY must be alone in its file (a multi-statement file runs as one transaction)");
      } else if (!concurrently && !created.has(onTable)) {
        report(offset, `CREATE INDEX on existing table ${onTable} without CONCURRENTLY locks writes: put it alone in its own file with CONCURRENTLY`);
      }
    }
  }
  return issues;
}

function lintAlterAction(action: Statement, report: (offset: number, message: string) => void): void {
  const { text, offset } = action;
  if (/^DROP\b/i.test(text)) {
    report(offset, `ALTER TABLE ... ${/^DROP\s+CONSTRAINT\b/i.test(text) ? "DROP CONSTRAINT" : "DROP COLUMN"} is destructive`);
  }
  const type = /^ALTER\s+(?:COLUMN\s+)?\S+\s+(?:SET\s+DATA\s+)?TYPE\b/i.exec(text);
  if (type) report(offset, "ALTER COLUMN ... TYPE changes what old code reads and writes (and rewrites the table)");
  const notNull = /\bSET\s+NOT\s+NULL\b/i.exec(text);
  if (notNull) report(offset + notNull.index, "SET NOT NULL breaks old code that writes NULL (and scans the table)");
  if (ADD_COLUMN.test(text) && /\bNOT\s+NULL\b/i.test(text) && !/\bDEFAULT\b/i.test(text)) {
    report(offset, "ADD COLUMN ... NOT NULL without DEFAULT breaks old code that inserts without it");
  }
}

function objectKind(words: string): string {
  const upper = words.toUpperCase().replace(/\s+/g, " ");
  // DROP INDEX CONCURRENTLY, DROP TABLE IF: keep only the object kind.
  return /^(MATERIALIZED VIEW|FOREIGN TABLE)$/.test(upper) ? upper : (upper.split(" ")[0] as string);
}

function normalizeName(raw: string): string {
  const parts = raw.split(/\s*\.\s*/).map((part) => (part.startsWith('"') ? part.slice(1, -1).replaceAll('""', '"') : part.toLowerCase()));
  // The migrations run in the default schema: "public.users" and "users" are the same table.
  if (parts.length === 2 && parts[0] === "public") parts.shift();
  return parts.join(".");
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === "\n") line++;
  return line;
}

/**
 * Blanks comments and the contents of string literals (keeping length and newlines), so keyword
 * matches on the result are real SQL and their offsets still point into the original file.
 */
export function mask(sql: string): string {
  const out = sql.split("");
  const blank = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (out[i] !== "\n") out[i] = " ";
  };
  let i = 0;
  while (i < sql.length) {
    const rest = sql.slice(i, i + 2);
    if (rest === "--") {
      const end = sql.indexOf("\n", i);
      const stop = end === -1 ? sql.length : end;
      blank(i, stop);
      i = stop;
    } else if (rest === "/*") {
      let depth = 0;
      let j = i;
      while (j < sql.length) {
        if (sql.startsWith("/*", j)) {
          depth++;
          j += 2;
        } else if (sql.startsWith("*/", j)) {
          depth--;
          j += 2;
          if (depth === 0) break;
        } else j++;
      }
      blank(i, j);
      i = j;
    } else if (sql[i] === "'") {
      const escapes = /[eE]/.test(sql[i - 1] ?? "") && !/[\w$]/.test(sql[i - 2] ?? "");
      let j = i + 1;
      while (j < sql.length) {
        if (escapes && sql[j] === "\\") j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j++;
      }
      blank(i + 1, j);
      i = j + 1;
    } else if (sql[i] === '"') {
      // Quoted identifiers stay visible (index and table names are read from them).
      let j = i + 1;
      while (j < sql.length && !(sql[j] === '"' && sql[j + 1] !== '"')) j += sql[j] === '"' ? 2 : 1;
      i = j + 1;
    } else if (sql[i] === "$" && !/[\w$]/.test(sql[i - 1] ?? "")) {
      const tag = /^\$(?:[A-Za-z_][\w]*)?\$/.exec(sql.slice(i));
      if (!tag) {
        i++;
        continue;
      }
      const end = sql.indexOf(tag[0], i + tag[0].length);
      const stop = end === -1 ? sql.length : end;
      blank(i + tag[0].length, stop);
      i = stop + tag[0].length;
    } else i++;
  }
  return out.join("");
}

function splitStatements(masked: string): Statement[] {
  return splitOn(masked, ";", 0).filter((statement) => statement.text.length > 0);
}

/** ALTER TABLE actions are separated by commas outside parentheses. */
function splitTopLevel(text: string, base: number): Statement[] {
  return splitOn(text, ",", base);
}

function splitOn(text: string, separator: string, base: number): Statement[] {
  const parts: Statement[] = [];
  let depth = 0;
  let start = 0;
  const push = (end: number) => {
    const raw = text.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    parts.push({ text: raw.trim(), offset: base + start + lead });
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === separator && depth === 0) {
      push(i);
      start = i + 1;
    }
  }
  push(text.length);
  return parts;
}
