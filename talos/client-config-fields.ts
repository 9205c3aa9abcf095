/** Helpers shared by the talosconfig and kubeconfig readers/writers: embedded PEM fields are base64 text. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function base64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

export function unbase64(text: string): string {
  return Buffer.from(text, "base64").toString("utf8");
}
