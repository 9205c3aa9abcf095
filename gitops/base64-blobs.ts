/** Base64 blobs of a text that decode to text: where a secret wrapped in base64 (Secret data, *-data fields) hides. */

export interface Base64Blob {
  /** 1-based line of the blob in the text it was found in. */
  readonly line: number;
  readonly decoded: string;
}

/** 18 bytes and more: shorter runs are mostly words and identifiers, and too short to hide a key. */
const BASE64_RUN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{24,}={0,2}/g;
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Decoded bytes that read as text: valid UTF-8 without control characters other than tab and line breaks. */
function asText(bytes: Buffer): string | undefined {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return undefined;
  }
  return /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]/.test(text) ? undefined : text;
}

function decode(run: string): Buffer | undefined {
  const body = run.replace(/=+$/, "");
  if (body.length % 4 === 1) return undefined;
  const urlSafe = /[-_]/.test(body);
  if (urlSafe && /[+/]/.test(body)) return undefined;
  return Buffer.from(body, urlSafe ? "base64url" : "base64");
}

/** Every base64 run of at least 24 characters in `text` whose bytes are text. */
export function base64Blobs(text: string): Base64Blob[] {
  const out: Base64Blob[] = [];
  let line = 1;
  let counted = 0;
  for (const match of text.matchAll(BASE64_RUN)) {
    const bytes = decode(match[0]);
    const decoded = bytes === undefined ? undefined : asText(bytes);
    if (decoded === undefined) continue;
    for (let i = text.indexOf("\n", counted); i >= 0 && i < match.index; i = text.indexOf("\n", i + 1)) line++;
    counted = match.index;
    out.push({ line, decoded });
  }
  return out;
}
