/** JSON as sops's JSON store reads and writes it: order-preserving, duplicates kept, numbers as float64, Go escaping. */
import { InvalidInputError } from "../errors";
import { formatGoTime, parseRfc3339 } from "../go-time";
import { Branch, Sequence, Value, isComment } from "../tree";
import { MAX_NESTING_DEPTH, checkDocumentSize, nestingError } from "./parse-limits";

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

class JsonParser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  parseDocument(): Value {
    this.skipWs();
    const v = this.parseValue();
    this.skipWs();
    if (this.pos !== this.text.length) this.fail("unexpected content after the top-level value");
    return v;
  }

  private fail(what: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split("\n").length;
    throw new InvalidInputError(`Error unmarshalling input json: ${what} at line ${line}, offset ${this.pos}`);
  }

  private skipWs(): void {
    while (this.pos < this.text.length && WS.has(this.text.charCodeAt(this.pos))) this.pos++;
  }

  private parseValue(): Value {
    const c = this.text[this.pos];
    if (c === "{") return this.nested(() => this.parseObject());
    if (c === "[") return this.nested(() => this.parseArray());
    if (c === '"') return { kind: "str", value: this.parseString() };
    if (c === "t" && this.text.startsWith("true", this.pos)) {
      this.pos += 4;
      return { kind: "bool", value: true };
    }
    if (c === "f" && this.text.startsWith("false", this.pos)) {
      this.pos += 5;
      return { kind: "bool", value: false };
    }
    if (c === "n" && this.text.startsWith("null", this.pos)) {
      this.pos += 4;
      return { kind: "null" };
    }
    return this.parseNumber();
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_NESTING_DEPTH) throw nestingError("json");
    const v = parse();
    this.depth--;
    return v;
  }

  private parseObject(): Branch {
    this.pos++;
    const items: Branch["items"] = [];
    this.skipWs();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return { kind: "branch", items };
    }
    for (;;) {
      this.skipWs();
      if (this.text[this.pos] !== '"') this.fail("expected a string key");
      const key = this.parseString();
      this.skipWs();
      if (this.text[this.pos] !== ":") this.fail("expected ':' after an object key");
      this.pos++;
      this.skipWs();
      items.push({ key, value: this.parseValue() });
      this.skipWs();
      const c = this.text[this.pos++];
      if (c === "}") return { kind: "branch", items };
      if (c !== ",") this.fail("expected ',' or '}' in an object");
    }
  }

  private parseArray(): Sequence {
    this.pos++;
    const items: Sequence["items"] = [];
    this.skipWs();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return { kind: "sequence", items };
    }
    for (;;) {
      this.skipWs();
      items.push(this.parseValue());
      this.skipWs();
      const c = this.text[this.pos++];
      if (c === "]") return { kind: "sequence", items };
      if (c !== ",") this.fail("expected ',' or ']' in an array");
    }
  }

  private parseString(): string {
    const start = this.pos;
    let i = start + 1;
    let escaped = false;
    for (;;) {
      if (i >= this.text.length) this.fail("unterminated string");
      const c = this.text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) this.fail("control character in a string");
      if (c === 0x5c) {
        escaped = true;
        i += 2;
        continue;
      }
      i++;
    }
    this.pos = i + 1;
    if (!escaped) return this.text.slice(start + 1, i);
    try {
      return JSON.parse(this.text.slice(start, i + 1)) as string;
    } catch {
      this.pos = start;
      return this.fail("invalid escape in a string");
    }
  }

  private parseNumber(): Value {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!m || m[0] === "") this.fail(`invalid character ${JSON.stringify(this.text[this.pos] ?? "end of input")}`);
    this.pos += m[0].length;
    const v = Number(m[0]);
    if (!Number.isFinite(v)) this.fail(`number ${m[0]} does not fit in a float64`);
    return { kind: "float", value: v };
  }
}

export function parseJson(text: string): Value {
  checkDocumentSize(text.length, "JSON");
  return new JsonParser(text).parseDocument();
}

const HEX = "0123456789abcdef";

/** Go `json.Marshal` of a string (HTML-safe escaping, `\b`/`\f` short forms as in Go 1.22+). */
export function goJsonString(s: string): string {
  let out = '"';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c < 0x20) {
      esc = c === 0x0a ? "\\n" : c === 0x0d ? "\\r" : c === 0x09 ? "\\t" : c === 0x08 ? "\\b" : c === 0x0c ? "\\f" : `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
    } else if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = "\\\\";
    else if (c === 0x3c) esc = "\\u003c";
    else if (c === 0x3e) esc = "\\u003e";
    else if (c === 0x26) esc = "\\u0026";
    else if (c === 0x2028) esc = "\\u2028";
    else if (c === 0x2029) esc = "\\u2029";
    else if (c >= 0xd800 && c <= 0xdfff) {
      const pair = c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      if (pair) {
        i++;
        continue;
      }
      esc = "\\ufffd";
    }
    if (esc !== undefined) {
      out += s.slice(last, i) + esc;
      last = i + 1;
    }
  }
  return out + s.slice(last) + '"';
}

/** Go `json.Marshal` of a float64. */
export function goJsonFloat(v: number): string {
  if (!Number.isFinite(v)) throw new InvalidInputError(`json: unsupported value: ${v} (JSON cannot hold NaN or infinities)`);
  if (Object.is(v, -0)) return "-0";
  return String(v);
}

function scalarJson(v: Value): string {
  switch (v.kind) {
    case "str":
      return goJsonString(v.value);
    case "rawstr":
      return goJsonString(v.value.toString("utf8"));
    case "bytes":
      return goJsonString(v.value.toString("base64"));
    case "int":
      return v.value.toString(10);
    case "float":
      return goJsonFloat(v.value);
    case "bool":
      return v.value ? "true" : "false";
    case "null":
      return "null";
    case "time": {
      const parts = parseRfc3339(v.value);
      return goJsonString(parts ? formatGoTime(parts, true) : v.value);
    }
    default:
      throw new Error(`not a scalar: ${v.kind}`);
  }
}

/** Emits like sops: Go marshalling then `json.Indent` with `indent` (tab by default); comments are dropped. */
export function emitJson(v: Value, indent = "\t"): string {
  const parts: string[] = [];
  const write = (value: Value, depth: number): void => {
    if (value.kind === "branch") {
      const entries = value.items.filter((i) => !isComment(i));
      if (entries.length === 0) {
        parts.push("{}");
        return;
      }
      const inner = "\n" + indent.repeat(depth + 1);
      parts.push("{");
      entries.forEach((e, n) => {
        if (isComment(e)) return;
        parts.push(n === 0 ? inner : "," + inner, goJsonString(e.key), ": ");
        write(e.value, depth + 1);
      });
      parts.push("\n" + indent.repeat(depth) + "}");
      return;
    }
    if (value.kind === "sequence") {
      const elements = value.items.filter((i): i is Value => !isComment(i));
      if (elements.length === 0) {
        parts.push("[]");
        return;
      }
      const inner = "\n" + indent.repeat(depth + 1);
      parts.push("[");
      elements.forEach((e, n) => {
        parts.push(n === 0 ? inner : "," + inner);
        write(e, depth + 1);
      });
      parts.push("\n" + indent.repeat(depth) + "]");
      return;
    }
    parts.push(scalarJson(value));
  };
  write(v, 0);
  return parts.join("");
}
