/** Secret `data` values are base64 of the raw bytes; plain text is encoded as UTF-8. */
export function base64Data(entries: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).map(([key, value]) => [key, Buffer.from(value, "utf8").toString("base64")]));
}
