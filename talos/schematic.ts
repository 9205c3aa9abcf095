import { createHash } from "node:crypto";
import { encodeYamlDocument } from "./patches/yaml-encode";
import type { YamlMap } from "./patches/yaml-value";

/** The image factory's schematic (siderolabs/image-factory pkg/schematic), as far as we use it. */
export interface SchematicOptions {
  /** Extra kernel arguments, kept in the given order (order matters to the kernel). */
  readonly extraKernelArgs?: readonly string[];
  /** Initial META values. */
  readonly meta?: readonly { readonly key: number; readonly value: string }[];
  /** `secureboot.includeWellKnownCertificates`: also enrol Microsoft's keys. */
  readonly includeWellKnownCertificates?: boolean;
}

const OFFICIAL_PREFIX = "siderolabs/";
const EXTENSION_NAME = /^[a-z0-9][a-z0-9._-]*(?:\/[a-z0-9][a-z0-9._-]*)?$/;

/**
 * Official extension names in canonical form: `siderolabs/` added to bare names, duplicates removed,
 * sorted, so that the same set of extensions always gives the same schematic id.
 */
export function canonicalExtensions(extensions: readonly string[]): string[] {
  const names = new Set<string>();
  for (const raw of extensions) {
    const name = raw.trim();
    if (!EXTENSION_NAME.test(name)) {
      throw new Error(`system extension "${raw}": not an official extension name; write it as siderolabs/<name>, e.g. siderolabs/qemu-guest-agent`);
    }
    names.add(name.includes("/") ? name : OFFICIAL_PREFIX + name);
  }
  return [...names].sort();
}

/**
 * The schematic YAML exactly as the image factory marshals it (yaml.v3, 4-space indent, struct order,
 * empty fields left out): its SHA-256 is the schematic id.
 */
export function canonicalSchematicYaml(extensions: readonly string[], options: SchematicOptions = {}): string {
  const customization: YamlMap = {};
  if (options.extraKernelArgs !== undefined && options.extraKernelArgs.length > 0) {
    customization.extraKernelArgs = [...options.extraKernelArgs];
  }
  if (options.meta !== undefined && options.meta.length > 0) {
    customization.meta = options.meta.map(({ key, value }) => {
      if (!Number.isInteger(key) || key < 0 || key > 255) throw new Error(`schematic meta key ${key}: must be an integer 0-255`);
      return { key, value };
    });
  }
  const official = canonicalExtensions(extensions);
  if (official.length > 0) customization.systemExtensions = { officialExtensions: official };
  if (options.includeWellKnownCertificates === true) customization.secureboot = { includeWellKnownCertificates: true };
  return encodeYamlDocument({ customization });
}

/** The schematic id the image factory gives this schematic, computed offline. */
export function schematicId(extensions: readonly string[], options: SchematicOptions = {}): string {
  return createHash("sha256").update(canonicalSchematicYaml(extensions, options), "utf8").digest("hex");
}
