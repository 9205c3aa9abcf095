import { ConfigError, type ConfigIssue } from "./config-error";
import { SECRET_KEYS, stackConfigSchema, type SecretKey } from "./schema";

export const CONFIG_NAMESPACE = "talos-homelab";

/** How each non-secret key is stored by Pulumi: plain strings, or structured values serialized as JSON. */
export const CONFIG_KEY_KINDS: Readonly<Record<string, "string" | "json">> = Object.fromEntries(
  Object.keys(stackConfigSchema.shape).map((key) => [
    key,
    ["clusterName", "talosVersion", "kubernetesVersion", "outputDir", "secretsImportFrom", "etcdRecoverFrom", "clusterAgeRecipient", "machineSecretsFingerprint"].includes(key) ? "string" : "json",
  ]),
);

/** One stack config value as read from Pulumi or a stack file. */
export interface RawConfigValue {
  readonly value: string;
  readonly secret: boolean;
}

/** Reads `talos-homelab:<key>` values by short key; `keys` lists every full key set (any namespace), when known. */
export type RawConfigSource = ((key: string) => RawConfigValue | undefined) & { readonly keys?: () => readonly string[] };

/** Every short key of our namespace: the schema's and the secret ones. */
export function knownConfigKeys(): string[] {
  return [...Object.keys(CONFIG_KEY_KINDS), ...Object.keys(SECRET_KEYS)];
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** A key of our namespace that is not a setting (a typo silently dropping e.g. the DR recipient). */
function unknownKeyIssue(key: string): ConfigIssue {
  const known = knownConfigKeys();
  const closest = known.map((k) => ({ k, d: editDistance(key, k) })).sort((x, y) => x.d - y.d)[0];
  const fix =
    closest !== undefined && closest.d <= Math.max(2, Math.floor(key.length / 4))
      ? `did you mean ${CONFIG_NAMESPACE}:${closest.k}? Rename the key`
      : `remove it; the settings are ${known.map((k) => `${CONFIG_NAMESPACE}:${k}`).join(", ")}`;
  return { path: `${CONFIG_NAMESPACE}:${key}`, problem: `is not a ${CONFIG_NAMESPACE} setting and would be ignored`, fix };
}

export interface StackConfigRead {
  /** Input for validateConfig. */
  readonly input: Record<string, unknown>;
  /** Secret values found in config (only ever from secure config, never plaintext). */
  readonly secrets: Partial<Record<SecretKey, string>>;
}

function parseValue(key: string, raw: string, issues: ConfigIssue[]): unknown {
  if (CONFIG_KEY_KINDS[key] === "string") return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    issues.push({ path: key, value: raw, problem: "is not a structured value", fix: `set it as YAML in the stack file, or with \`pulumi config set --path ${CONFIG_NAMESPACE}:${key}...\`` });
    return undefined;
  }
}

/** Collects the schema input and the secret values, refusing secret keys stored in plaintext. */
export function readStackConfig(source: RawConfigSource, env: NodeJS.ProcessEnv = process.env): StackConfigRead {
  const issues: ConfigIssue[] = [];
  const input: Record<string, unknown> = {};
  const known = new Set(knownConfigKeys());
  for (const full of source.keys?.() ?? []) {
    if (!full.startsWith(`${CONFIG_NAMESPACE}:`)) continue;
    const key = full.slice(CONFIG_NAMESPACE.length + 1);
    if (!known.has(key)) issues.push(unknownKeyIssue(key));
  }
  for (const key of Object.keys(CONFIG_KEY_KINDS)) {
    const raw = source(key);
    if (raw !== undefined) input[key] = parseValue(key, raw.value, issues);
  }
  const secrets: Partial<Record<SecretKey, string>> = {};
  for (const [key, envName] of Object.entries(SECRET_KEYS) as Array<[SecretKey, string]>) {
    const raw = source(key);
    if (raw !== undefined && !raw.secret) {
      issues.push({
        path: `${CONFIG_NAMESPACE}:${key}`,
        problem: "is a secret but is stored in plaintext in the stack file",
        fix: `remove it from the stack file and run \`pulumi config set --secret ${CONFIG_NAMESPACE}:${key} <value>\`, or export ${envName}`,
      });
      continue;
    }
    const value = raw?.value || env[envName];
    if (value !== undefined && value !== "") secrets[key] = value;
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return { input, secrets };
}
