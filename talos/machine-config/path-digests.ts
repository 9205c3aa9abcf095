import { createHmac, hkdfSync } from "node:crypto";
import { parseYamlDocuments } from "../patches/apply";
import { describeDocument } from "../patches/document-id";
import { type ConfigDocument, type YamlValue, isYamlMap } from "../patches/yaml-value";
import type { SecretsBundle } from "../types";

/**
 * Which paths of a machine config changed, without saying to what.
 *
 * A dynamic provider cannot return a detailed diff, and the machine config is a secret, so a preview could only
 * say "the config changed". Instead each config apply also gets a non-secret map from every leaf path of its
 * config (`machine.network.hostname`, `VolumeConfig "STATE": encryption.keys[0].slot`) to a short keyed
 * digest of the value there. `pulumi preview --diff` then shows exactly the paths whose digest changed. The
 * key is derived from the cluster secret (32 random bytes that never change), so a digest can neither be
 * reversed nor brute-forced for a low-entropy value (a port, a boolean, a short password) by anyone who
 * lacks the machine secrets; and it stays the same from run to run, so an unchanged value never shows.
 */

/** 64 bits: plenty to tell values apart at one path, short enough to read in a diff. */
const DIGEST_HEX_CHARS = 16;
const KEY_INFO = "talos-homelab machine-config path digests v1";

/** The HMAC key for the path digests (hex): HKDF-SHA256 over the bundle's cluster secret. A secret itself. */
export function configDigestKey(bundle: Pick<SecretsBundle, "cluster">): string {
  const secret = bundle.cluster.secret;
  if (secret === "") throw new Error("configDigestKey: the machine secrets have an empty cluster secret");
  return Buffer.from(hkdfSync("sha256", Buffer.from(secret, "utf8"), Buffer.alloc(0), KEY_INFO, 32)).toString("hex");
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function childPath(parent: string, key: string): string {
  const segment = PLAIN_KEY.test(key) ? key : JSON.stringify(key);
  if (parent === "") return PLAIN_KEY.test(key) ? key : `[${segment}]`;
  return PLAIN_KEY.test(key) ? `${parent}.${key}` : `${parent}[${segment}]`;
}

const holdsObjects = (list: readonly YamlValue[]) => list.some((item) => isYamlMap(item) || Array.isArray(item));

/** Leaf paths with their values: scalars, empty maps, and lists of scalars (a list of scalars is one value). */
function leaves(value: YamlValue, path: string, out: Map<string, YamlValue>): void {
  if (isYamlMap(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) leaves(child, childPath(path, key), out);
  } else if (Array.isArray(value) && holdsObjects(value)) {
    value.forEach((item, i) => leaves(item, `${path}[${i}]`, out));
  } else {
    out.set(path, value);
  }
}

function documentPrefix(doc: ConfigDocument): string {
  const name = describeDocument(doc);
  return name === "v1alpha1 config" ? "" : `${name}: `;
}

/**
 * Every leaf path of the machine config (all documents) mapped to HMAC-SHA256(key, path, value), cut to 16 hex
 * digits. Paths name map keys and list positions only, never a value.
 */
export function configPathDigests(configYaml: string, keyHex: string): Record<string, string> {
  const key = Buffer.from(keyHex, "hex");
  if (key.length < 32) throw new Error("configPathDigests: the key must be 32 bytes (from configDigestKey)");
  const digests: Record<string, string> = {};
  for (const doc of parseYamlDocuments(configYaml, "machine config")) {
    if (!isYamlMap(doc)) throw new Error("configPathDigests: every machine config document must be a YAML map");
    const prefix = documentPrefix(doc as ConfigDocument);
    const found = new Map<string, YamlValue>();
    leaves(doc, "", found);
    for (const [path, value] of found) {
      const fullPath = `${prefix}${path}`;
      const mac = createHmac("sha256", key).update(fullPath).update("\0").update(JSON.stringify(value) ?? "null");
      digests[fullPath] = mac.digest("hex").slice(0, DIGEST_HEX_CHARS);
    }
  }
  return digests;
}

/** The paths whose digest differs, was added or was removed between two digest maps (sorted). */
export function changedConfigPaths(olds: Readonly<Record<string, string>>, news: Readonly<Record<string, string>>): string[] {
  const paths = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...paths].filter((path) => olds[path] !== news[path]).sort();
}
