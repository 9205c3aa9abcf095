/** Hostile YAML/JSON inputs for the parse bounds (issue 16 item 3), shared by the tests and the benchmark. */

/** The 9^9 "billion laughs": 342 bytes that expand to 387,420,489 strings. */
export function aliasBomb(levels = 9): string {
  const names = "abcdefghijklmnopqrstuvwxyz";
  const lines = [`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
  for (let i = 1; i < levels; i++) lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(",")}]`);
  return lines.join("\n") + "\n";
}

/** `levels` nested flow sequences under one key. */
export function deepFlowNesting(levels: number): string {
  return `a: ${"[".repeat(levels)}${"]".repeat(levels)}\n`;
}

/** `levels` nested block sequences written compactly on one line (`- - - x`). */
export function deepBlockNesting(levels: number): string {
  return `a:\n${"- ".repeat(levels)}x\n`;
}

/** `levels` nested JSON objects. */
export function deepJsonNesting(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
}

/** `plain` with a (syntactically valid, cryptographically meaningless) sops block appended, so it reads as encrypted. */
export function withSopsBlock(plain: string): string {
  return (
    plain +
    "sops:\n" +
    "    age:\n" +
    "        - recipient: age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq\n" +
    "          enc: |\n" +
    "            -----BEGIN AGE ENCRYPTED FILE-----\n" +
    "            AAAA\n" +
    "            -----END AGE ENCRYPTED FILE-----\n" +
    "    lastmodified: \"2025-06-01T12:00:00Z\"\n" +
    "    mac: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]\n" +
    "    version: 3.11.0\n"
  );
}

/** `count` anchors, each mapping holding an alias of the previous one: nesting by aliases alone, no indentation. */
export function aliasChain(count: number): string {
  const lines = ["a0: &a0\n  x: 1"];
  for (let i = 1; i < count; i++) lines.push(`a${i}: &a${i}\n  x: *a${i - 1}`);
  return lines.join("\n") + "\n";
}

/** `count` aliases of one scalar anchor: cheap to expand, but quadratic for a resolver that searches per alias. */
export function manyAliases(count: number): string {
  return `anchor: &v value\nlist:\n${"  - *v\n".repeat(count)}`;
}
