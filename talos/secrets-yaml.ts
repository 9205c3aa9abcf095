import { parse } from "yaml";
import type { CertAndKey, SecretsBundle } from "./types";
import { encodeYamlDocument } from "./patches/yaml-encode";
import type { YamlMap } from "./patches/yaml-value";

/** siderolabs/crypto x509.Redacted: a key with this value is kept verbatim, not base64-decoded. */
export const REDACTED = "******";

/**
 * Serializes the bundle exactly as `talosctl gen secrets` writes secrets.yaml (yaml.v3, 4-space
 * indent, Go struct field order, each PEM as standard base64 of its full text). Write the result with
 * mode 0600.
 */
export function serializeSecretsYaml(bundle: SecretsBundle): string {
  const secrets: YamlMap = { bootstraptoken: bundle.secrets.bootstrapToken };
  if (nonEmpty(bundle.secrets.aescbcEncryptionSecret)) secrets.aescbcencryptionsecret = bundle.secrets.aescbcEncryptionSecret;
  if (nonEmpty(bundle.secrets.secretboxEncryptionSecret)) secrets.secretboxencryptionsecret = bundle.secrets.secretboxEncryptionSecret;
  return encodeYamlDocument({
    cluster: { id: bundle.cluster.id, secret: bundle.cluster.secret },
    secrets,
    trustdinfo: { token: bundle.trustdInfo.token },
    certs: {
      etcd: certAndKeyYaml(bundle.certs.etcd),
      k8s: certAndKeyYaml(bundle.certs.k8s),
      k8saggregator: certAndKeyYaml(bundle.certs.k8sAggregator),
      k8sserviceaccount: { key: encodePemField(bundle.certs.k8sServiceAccount.key) },
      os: certAndKeyYaml(bundle.certs.os),
    },
  });
}

/**
 * Parses a secrets.yaml (ours or `talosctl gen secrets`'s) into a bundle with decoded PEM text. Missing
 * fields become empty strings, as Talos's loader leaves them; run validateSecretsBundle afterwards.
 * Throws naming the field when the shape or the base64 is wrong.
 */
export function parseSecretsYaml(text: string): SecretsBundle {
  let doc: unknown;
  try {
    // Every scalar stays text, as Go's decoder reads them into string fields.
    doc = parse(text, { schema: "failsafe" });
  } catch (error) {
    // Only the first line: the yaml library's message goes on to quote the offending (secret) source line.
    throw new Error(`secrets.yaml: not valid YAML (${(error as Error).message.split("\n")[0]})`);
  }
  const root = mapping(doc ?? {}, "secrets.yaml");
  const cluster = mapping(root.cluster ?? {}, "cluster");
  const secrets = mapping(root.secrets ?? {}, "secrets");
  const trustd = mapping(root.trustdinfo ?? {}, "trustdinfo");
  const certs = mapping(root.certs ?? {}, "certs");
  const aescbc = str(secrets.aescbcencryptionsecret, "secrets.aescbcencryptionsecret");
  const secretbox = str(secrets.secretboxencryptionsecret, "secrets.secretboxencryptionsecret");
  return {
    cluster: { id: str(cluster.id, "cluster.id"), secret: str(cluster.secret, "cluster.secret") },
    secrets: {
      bootstrapToken: str(secrets.bootstraptoken, "secrets.bootstraptoken"),
      ...(aescbc !== "" ? { aescbcEncryptionSecret: aescbc } : {}),
      ...(secretbox !== "" ? { secretboxEncryptionSecret: secretbox } : {}),
    },
    trustdInfo: { token: str(trustd.token, "trustdinfo.token") },
    certs: {
      etcd: certAndKey(certs.etcd, "certs.etcd"),
      k8s: certAndKey(certs.k8s, "certs.k8s"),
      k8sAggregator: certAndKey(certs.k8saggregator, "certs.k8saggregator"),
      k8sServiceAccount: { key: pemField(mapping(certs.k8sserviceaccount ?? {}, "certs.k8sserviceaccount").key, "certs.k8sserviceaccount.key", true) },
      os: certAndKey(certs.os, "certs.os"),
    },
  };
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}

function certAndKeyYaml(pair: CertAndKey): YamlMap {
  return { crt: encodePemField(pair.crt), key: encodePemField(pair.key) };
}

function encodePemField(pem: string): string {
  return pem === REDACTED ? REDACTED : Buffer.from(pem, "utf8").toString("base64");
}

function certAndKey(value: unknown, field: string): CertAndKey {
  const map = mapping(value ?? {}, field);
  return { crt: pemField(map.crt, `${field}.crt`, false), key: pemField(map.key, `${field}.key`, true) };
}

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function pemField(value: unknown, field: string, isKey: boolean): string {
  const text = str(value, field);
  if (isKey && text === REDACTED) return REDACTED;
  if (!STD_BASE64.test(text)) {
    throw new Error(`${field}: not standard base64 (secrets.yaml holds each PEM base64-encoded, padded, on one line)`);
  }
  return Buffer.from(text, "base64").toString("utf8");
}

/** The failsafe schema reads an empty or null value as text; Go leaves such a field unset. */
const YAML_NULLS = new Set(["", "~", "null", "Null", "NULL"]);

function mapping(value: unknown, field: string): Record<string, unknown> {
  if (typeof value === "string" && YAML_NULLS.has(value)) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${field}: expected a mapping, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function str(value: unknown, field: string): string {
  if (value === undefined || value === null || (typeof value === "string" && YAML_NULLS.has(value))) return "";
  if (typeof value !== "string") {
    throw new Error(`${field}: expected a string, got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "a mapping" : `${typeof value} ${JSON.stringify(value)}`;
}
