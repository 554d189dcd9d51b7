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
  set.migrations.forEach((migration, index) => {
    // An index a later up file drops is history: its shape is no longer what production runs.
    const superseded = new Set(
      set.migrations.slice(index + 1).flatMap((later) => (later.up ? droppedIndexes(later.up.sql) : [])),
    );
    if (migration.up) issues.push(...lintUpSql(migration.up.file, migration.up.sql, { superseded }));
    if (migration.down) issues.push(...lintYsql(migration.down.file, migration.down.sql, { down: true }));
  });
  return issues;
}

export interface UpLintOptions {
  /** Indexes a later migration drops: the YSQL shape rules leave their CREATE alone. */
  superseded?: ReadonlySet<string>;
}

/** Checks one up file's text; no database involved. */
export function lintUpSql(file: string, sql: string, options: UpLintOptions = {}): LintIssue[] {
  const ysql = lintYsql(file, sql, { down: false, superseded: options.superseded });
  if (sql.trimStart().split("\n", 1)[0]?.trim().startsWith(CONTRACT_MARKER)) return ysql;
  const masked = mask(sql);
  const statements = splitStatements(masked);
  const created = new Set<string>();
  const issues: LintIssue[] = [...ysql];
  const report = (offset: number, message: string) =>
    issues.push({
      file,
      line: lineAt(sql, offset),
      message: `${message}; if this is a contract step, start the file with "${CONTRACT_MARKER}"`,
    });

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
      // A CONCURRENTLY that is not alone is reported by the YSQL rules (lintYsql).
      if (!concurrently && !created.has(onTable)) {
        report(
          offset,
          `CREATE INDEX on existing table ${onTable} without CONCURRENTLY locks writes: put it alone in its own file with CONCURRENTLY`,
        );
      }
    }
  }
  return issues;
}

/**
 * Rules for what YugabyteDB's YSQL accepts or runs well, for up and down files alike (contract
 * steps included): they are about the database, not about the code still running.
 *
 * - DROP INDEX CONCURRENTLY: YSQL rejects it; a plain DROP INDEX IF EXISTS is online there.
 * - A statement that can't run inside a transaction block (CREATE INDEX CONCURRENTLY, ...) must be
 *   alone in its file: the runner sends a file as one query, and several statements in one query
 *   run as one implicit transaction.
 * - Up files only: an ordered index (one with ASC/DESC somewhere: built for ORDER BY and keyset
 *   pages) whose first column has no ASC/DESC. YSQL hash-shards that column, and a row comparison
 *   such as (created_at, id) < (...) is not pushed into a scan of an index with a hash column, so
 *   page N re-reads every row of the pages before it. A down file may restore such an index, and
 *   an index a later migration drops is left alone.
 * - Up files only: an index whose first column is an ever-increasing time (*_at) in range order
 *   sends every new row to the same (last) tablet. That may be the right trade; the file must say
 *   why, in a comment starting with HOT_RANGE_MARKER.
 */
export const HOT_RANGE_MARKER = "-- ysql: hot range key:";

const NO_TRANSACTION = [
  /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\b/i,
  /^REINDEX\b.*\bCONCURRENTLY\b/is,
  /^VACUUM\b/i,
  /^(?:CREATE|DROP)\s+DATABASE\b/i,
  /^(?:CREATE|DROP)\s+TABLESPACE\b/i,
  /^ALTER\s+SYSTEM\b/i,
];

export function lintYsql(
  file: string,
  sql: string,
  options: { down: boolean; superseded?: ReadonlySet<string> | undefined },
): LintIssue[] {
  const statements = splitStatements(mask(sql));
  const issues: LintIssue[] = [];
  const report = (offset: number, message: string) => issues.push({ file, line: lineAt(sql, offset), message });
  for (const { text, offset } of statements) {
    if (/^DROP\s+INDEX\s+CONCURRENTLY\b/i.test(text)) {
      report(
        offset,
        "YSQL rejects DROP INDEX CONCURRENTLY (the drop is online there anyway): use DROP INDEX IF EXISTS",
      );
    }
    if (statements.length > 1 && NO_TRANSACTION.some((pattern) => pattern.test(text))) {
      const what = /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY/i.test(text)
        ? "CREATE INDEX CONCURRENTLY"
        : text.split(/\s+/, 2).join(" ").toUpperCase();
      report(
        offset,
        `${what} can't run inside a transaction block, on YSQL as on PostgreSQL, and a file of several statements runs as one: put it alone in its own file`,
      );
    }
    if (options.down) continue;
    const index = indexShape(text);
    if (!index || (index.name !== undefined && options.superseded?.has(index.name))) continue;
    const [first, ...rest] = index.columns;
    if (!first) continue;
    if (!first.ordered && !first.hash && rest.some((column) => column.ordered)) {
      report(
        offset,
        `${first.name}, the first column of this ordered index, has no ASC/DESC, so YSQL hash-shards it, and a row comparison such as (created_at, id) < (...) is not pushed into a scan of an index with a hash column: every keyset page re-reads the pages before it. Give it ASC (or DESC)`,
      );
    }
    if (first.ordered && /_at$/.test(first.name) && !sql.includes(HOT_RANGE_MARKER)) {
      report(
        offset,
        `${first.name} first in range order: every new row goes to the same tablet on YSQL; if that is the right trade, say why in a comment "${HOT_RANGE_MARKER} <reason>"`,
      );
    }
  }
  return issues;
}

interface IndexColumn {
  name: string;
  ordered: boolean;
  hash: boolean;
}

const INDEX_NAME = new RegExp(
  String.raw`^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?!ON\s)(${NAME})\s+ON\s`,
  "i",
);

/** The name and key columns of a CREATE INDEX statement (masked text), or undefined. */
function indexShape(text: string): { name: string | undefined; columns: IndexColumn[] } | undefined {
  const match = CREATE_INDEX.exec(text);
  if (!match) return undefined;
  const open = text.indexOf("(", match[0].length);
  if (open === -1) return undefined;
  let depth = 0;
  let close = open;
  for (; close < text.length; close++) {
    if (text[close] === "(") depth++;
    else if (text[close] === ")" && --depth === 0) break;
  }
  const columns = splitTopLevel(text.slice(open + 1, close), 0).map(({ text: column }) => ({
    name: normalizeName(column.split(/\s+/, 1)[0] ?? ""),
    ordered: /\b(?:ASC|DESC)\b/i.test(column),
    hash: /\bHASH\b/i.test(column),
  }));
  const name = INDEX_NAME.exec(text)?.[1];
  return { name: name === undefined ? undefined : normalizeName(name), columns };
}

/** Index names a file drops (DROP INDEX [CONCURRENTLY] [IF EXISTS] a, b). */
function droppedIndexes(sql: string): string[] {
  return splitStatements(mask(sql)).flatMap(({ text }) => {
    const drop = /^DROP\s+INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?([\s\S]*?)(?:\s+(?:CASCADE|RESTRICT))?$/i.exec(
      text,
    );
    return drop ? splitTopLevel(drop[1] as string, 0).map(({ text: name }) => normalizeName(name)) : [];
  });
}

function lintAlterAction(action: Statement, report: (offset: number, message: string) => void): void {
  const { text, offset } = action;
  if (/^DROP\b/i.test(text)) {
    report(
      offset,
      `ALTER TABLE ... ${/^DROP\s+CONSTRAINT\b/i.test(text) ? "DROP CONSTRAINT" : "DROP COLUMN"} is destructive`,
    );
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
  const parts = raw
    .split(/\s*\.\s*/)
    .map((part) => (part.startsWith('"') ? part.slice(1, -1).replaceAll('""', '"') : part.toLowerCase()));
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
