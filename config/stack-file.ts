import { readFileSync } from "node:fs";
import { parseBoundedYaml } from "../sops/index";
import { CONFIG_NAMESPACE, type RawConfigSource, type RawConfigValue } from "./stack-config";

function isSecure(value: unknown): value is { secure: string } {
  return typeof value === "object" && value !== null && "secure" in value;
}

/**
 * Reads `Pulumi.<stack>.yaml` without the Pulumi CLI (for the offline render).
 * Secure values cannot be decrypted here: they are reported as secret with an empty value.
 */
export function stackFileSource(path: string): RawConfigSource {
  const text = readFileSync(path, "utf8");
  const doc = (parseBoundedYaml(text, path) ?? {}) as { config?: Record<string, unknown> };
  const entries = doc.config ?? {};
  const read = (key: string): RawConfigValue | undefined => {
    const value = entries[`${CONFIG_NAMESPACE}:${key}`];
    if (value === undefined || value === null) return undefined;
    if (isSecure(value)) return { value: "", secret: true };
    return { value: typeof value === "string" ? value : JSON.stringify(value), secret: false };
  };
  return Object.assign(read, { keys: () => Object.keys(entries) });
}
