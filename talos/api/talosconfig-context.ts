import { parse } from "yaml";
import type { ClientTlsMaterial } from "./credentials";

/** One talosconfig context with its PEM material decoded. */
export interface TalosconfigContext extends ClientTlsMaterial {
  readonly name: string;
  readonly endpoints: readonly string[];
  readonly nodes: readonly string[];
}

interface RawContext {
  endpoints?: unknown;
  nodes?: unknown;
  ca?: unknown;
  crt?: unknown;
  key?: unknown;
}

function decodeField(context: string, field: string, value: unknown): string {
  if (typeof value !== "string" || value === "") {
    throw new Error(`talosconfig context "${context}": "${field}" is missing; it must be the base64 of a PEM block`);
  }
  const pem = Buffer.from(value, "base64").toString("utf8");
  if (!pem.includes("-----BEGIN ")) {
    throw new Error(`talosconfig context "${context}": "${field}" is not base64 of a PEM block`);
  }
  return pem;
}

function stringList(context: string, field: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new Error(`talosconfig context "${context}": "${field}" must be a list of addresses`);
  }
  return value;
}

/** Reads a talosconfig (YAML as talosctl writes it) and returns the named or current context. */
export function parseTalosconfigContext(text: string, contextName?: string): TalosconfigContext {
  const doc = parse(text) as { context?: unknown; contexts?: Record<string, RawContext> } | null;
  const name = contextName ?? (typeof doc?.context === "string" ? doc.context : undefined);
  if (name === undefined || name === "") {
    throw new Error('talosconfig has no current "context": name the context to use');
  }
  const raw = doc?.contexts?.[name];
  if (raw === undefined || raw === null) {
    const known = Object.keys(doc?.contexts ?? {}).join(", ") || "none";
    throw new Error(`talosconfig has no context "${name}" (contexts: ${known})`);
  }
  return {
    name,
    endpoints: stringList(name, "endpoints", raw.endpoints),
    nodes: stringList(name, "nodes", raw.nodes),
    ca: decodeField(name, "ca", raw.ca),
    crt: decodeField(name, "crt", raw.crt),
    key: decodeField(name, "key", raw.key),
  };
}
