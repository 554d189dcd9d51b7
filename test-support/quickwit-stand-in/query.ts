// The subset of Quickwit's query language the stand-in understands.
import { HttpError, isObject, type IndexState, type StoredDoc } from "./model.ts";

export type Delimiter = "none" | "single" | "double";

export type QueryNode =
  | { kind: "all" }
  | { kind: "and"; children: QueryNode[] }
  | { kind: "or"; children: QueryNode[] }
  | { kind: "not"; child: QueryNode }
  | { kind: "term"; field: string | undefined; text: string; delimiter: Delimiter };

export type Token =
  | { type: "lparen" | "rparen" | "star" | "minus" | "plus" }
  | { type: "field"; name: string }
  | { type: "word"; text: string }
  | { type: "quoted"; text: string; delimiter: "single" | "double" };

export class QueryParser {
  private readonly tokens: Token[];
  private position = 0;

  constructor(text: string) {
    this.tokens = tokenize(text);
  }

  parse(): QueryNode {
    if (this.tokens.length === 0) return { kind: "all" };
    const node = this.parseOr();
    if (this.position < this.tokens.length) throw new Error("trailing input");
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private isKeyword(word: string): boolean {
    const token = this.peek();
    return token?.type === "word" && token.text === word;
  }

  private parseOr(): QueryNode {
    const children = [this.parseAnd()];
    while (this.isKeyword("OR")) {
      this.position++;
      children.push(this.parseAnd());
    }
    return children.length === 1 ? children[0]! : { kind: "or", children };
  }

  private parseAnd(): QueryNode {
    const children = [this.parseUnary()];
    for (;;) {
      const token = this.peek();
      if (!token || token.type === "rparen" || this.isKeyword("OR")) break;
      // Quickwit's REST search ANDs juxtaposed clauses (its default operator).
      if (this.isKeyword("AND")) this.position++;
      children.push(this.parseUnary());
    }
    return children.length === 1 ? children[0]! : { kind: "and", children };
  }

  private parseUnary(): QueryNode {
    const token = this.peek();
    if (token?.type === "minus" || (token?.type === "word" && token.text === "NOT")) {
      this.position++;
      return { kind: "not", child: this.parseUnary() };
    }
    if (token?.type === "plus") this.position++;
    return this.parsePrimary();
  }

  private parsePrimary(): QueryNode {
    const token = this.tokens[this.position++];
    if (!token) throw new Error("unexpected end of query");
    switch (token.type) {
      case "lparen": {
        const inner = this.parseOr();
        if (this.tokens[this.position++]?.type !== "rparen") throw new Error("missing `)`");
        return inner;
      }
      case "star":
        return { kind: "all" };
      case "field": {
        const value = this.tokens[this.position++];
        if (value?.type === "word") return { kind: "term", field: token.name, text: value.text, delimiter: "none" };
        if (value?.type === "quoted")
          return { kind: "term", field: token.name, text: value.text, delimiter: value.delimiter };
        if (value?.type === "star") throw new HttpError(400, "the stand-in does not support exists queries");
        throw new Error("expected a value after the field name");
      }
      case "word":
        if (token.text === "AND" || token.text === "OR") throw new Error("unexpected operator");
        return { kind: "term", field: undefined, text: token.text, delimiter: "none" };
      case "quoted":
        return { kind: "term", field: undefined, text: token.text, delimiter: token.delimiter };
      default:
        throw new Error("unexpected token");
    }
  }
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (/\s/.test(char)) {
      i++;
    } else if (char === "(") {
      tokens.push({ type: "lparen" });
      i++;
    } else if (char === ")") {
      tokens.push({ type: "rparen" });
      i++;
    } else if (char === "*" && (i + 1 === text.length || /[\s)]/.test(text[i + 1]!))) {
      tokens.push({ type: "star" });
      i++;
    } else if (char === "-" || char === "+") {
      tokens.push({ type: char === "-" ? "minus" : "plus" });
      i++;
    } else if (char === '"' || char === "'") {
      // Inside quotes a backslash takes the next character literally; only the quote ends it.
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new Error("missing closing quote");
        const inner = text[i]!;
        if (inner === "\\" && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (inner === char) {
          i++;
          break;
        } else {
          value += inner;
          i++;
        }
      }
      if (text[i] === "~" || text[i] === "*" || text[i] === "^")
        throw new HttpError(400, "the stand-in does not support slop, prefix or boost");
      tokens.push({ type: "quoted", text: value, delimiter: char === '"' ? "double" : "single" });
    } else {
      let value = "";
      let isField = false;
      while (i < text.length) {
        const inner = text[i]!;
        if (inner === "\\" && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
          continue;
        }
        if (/\s/.test(inner) || inner === "(" || inner === ")" || inner === '"' || inner === "'") break;
        if (inner === ":") {
          isField = true;
          i++;
          break;
        }
        if ("*?[]{}<>^~".includes(inner))
          throw new HttpError(400, "the stand-in does not support wildcards, ranges, boosts or sets");
        value += inner;
        i++;
      }
      if (value.length === 0) throw new Error("empty term");
      tokens.push(isField ? { type: "field", name: value } : { type: "word", text: value });
    }
  }
  return tokens;
}

export type Matcher = (doc: StoredDoc) => boolean;

export function compile(node: QueryNode, index: IndexState, defaultFields: string[]): Matcher {
  switch (node.kind) {
    case "all":
      return () => true;
    case "and": {
      const children = node.children.map((child) => compile(child, index, defaultFields));
      return (doc) => children.every((match) => match(doc));
    }
    case "or": {
      const children = node.children.map((child) => compile(child, index, defaultFields));
      return (doc) => children.some((match) => match(doc));
    }
    case "not": {
      const child = compile(node.child, index, defaultFields);
      return (doc) => !child(doc);
    }
    case "term": {
      const fields = node.field === undefined ? defaultFields : [node.field];
      if (fields.length === 0) throw new HttpError(400, "query requires a default search field and none was supplied");
      const matchers = fields.map((field) => termMatcher(field, node.text, node.delimiter, index));
      return (doc) => matchers.some((match) => match(doc));
    }
  }
}

export function termMatcher(path: string, text: string, delimiter: Delimiter, index: IndexState): Matcher {
  const [root, ...rest] = path.split(".");
  const field = index.fields.get(path) ?? (rest.length > 0 ? index.fields.get(root!) : undefined);
  if (!field || (field.name !== path && field.type !== "json"))
    throw new HttpError(400, `invalid query: field does not exist: \`${path}\``);
  if (!field.indexed) throw new HttpError(400, `invalid query: field \`${path}\` is not indexed`);
  const jsonPath = field.name === path ? [] : rest;

  if (field.type === "ip") return (doc) => (doc.values.get(field.name) ?? []).includes(text);
  if (field.type === "bool") return (doc) => (doc.values.get(field.name) ?? []).some((value) => String(value) === text);
  if (field.type === "i64" || field.type === "u64" || field.type === "f64") {
    const number = Number(text);
    return (doc) => (doc.values.get(field.name) ?? []).includes(number);
  }
  if (field.type === "datetime")
    throw new HttpError(400, "the stand-in does not support term queries on datetime fields");

  const queryTokens = analyze(text, field.tokenizer);
  if (queryTokens.length === 0) return () => false; // zero_terms_query: match none
  const phrase = delimiter === "double" || (delimiter === "none" && field.record === "position");
  if (phrase && queryTokens.length > 1 && field.record !== "position") {
    throw new HttpError(400, "Applied phrase query on field which does not have positions indexed");
  }
  return (doc) => {
    const values = (doc.values.get(field.name) ?? []).flatMap((value) =>
      field.type === "json" ? jsonLeaves(value, jsonPath) : [String(value)],
    );
    return values.some((value) => {
      const tokens = analyze(value, field.tokenizer);
      if (phrase && queryTokens.length > 1) return containsSequence(tokens, queryTokens);
      return queryTokens.every((token) => tokens.includes(token));
    });
  };
}

export function jsonLeaves(value: unknown, path: string[]): string[] {
  let current: unknown = value;
  for (const key of path) {
    if (!isObject(current)) return [];
    current = current[key];
  }
  const leaves = Array.isArray(current) ? current : [current];
  return leaves.filter((leaf) => leaf !== null && leaf !== undefined && typeof leaf !== "object").map(String);
}

export function containsSequence(tokens: string[], sequence: string[]): boolean {
  for (let start = 0; start + sequence.length <= tokens.length; start++) {
    if (sequence.every((token, offset) => tokens[start + offset] === token)) return true;
  }
  return false;
}

/** Quickwit's built-in tokenizers, closely enough for matching: tokens over 255 bytes are dropped. */
export function analyze(text: string, tokenizer: string): string[] {
  const keep = (token: string): boolean => token.length > 0 && Buffer.byteLength(token) <= 255;
  switch (tokenizer) {
    case "raw":
      return [text].filter(keep);
    case "raw_lowercase":
    case "lowercase":
      return [text.toLowerCase()].filter(keep);
    case "whitespace":
      return text.split(/\s+/).filter(keep);
    default:
      return text
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter(keep);
  }
}
