import { describe, expect, it } from "vitest";
import { contractFor } from "../../../talos/contract";
import { generateSecretsBundle } from "../../../talos/secrets-bundle";
import { parseSecretsYaml, serializeSecretsYaml } from "../../../talos/secrets-yaml";
import type { SecretsBundle } from "../../../talos/types";

const pem = (label: string, body: string) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
const b64 = (text: string) => Buffer.from(text).toString("base64");

const FIXED: SecretsBundle = {
  cluster: { id: "cgvhCbucls-WqkESDTRqykFgb4hROI4cBpgB0YJLLtM=", secret: "Wiu0qx68V3MKhFDr8+OFwGCNOOPBiQCDsLpRa3MdxEQ=" },
  secrets: { bootstrapToken: "2psnp2.lry8e9gycdix3bpa", secretboxEncryptionSecret: "6zWBpno849HlD5jeuTmGToFYP+z8lgkJa0fhHobv7mE=" },
  trustdInfo: { token: "oamejv.9tk1nhuwnlc2nghf" },
  certs: {
    etcd: { crt: pem("CERTIFICATE", "ZXRjZA=="), key: pem("EC PRIVATE KEY", "ZXRjZGtleQ==") },
    k8s: { crt: pem("CERTIFICATE", "azhz"), key: pem("EC PRIVATE KEY", "azhza2V5") },
    k8sAggregator: { crt: pem("CERTIFICATE", "YWdn"), key: pem("EC PRIVATE KEY", "YWdna2V5") },
    k8sServiceAccount: { key: pem("RSA PRIVATE KEY", "c2E=") },
    os: { crt: pem("CERTIFICATE", "b3M="), key: pem("ED25519 PRIVATE KEY", "b3NrZXk=") },
  },
};

const FIXED_YAML = [
  "cluster:",
  "    id: cgvhCbucls-WqkESDTRqykFgb4hROI4cBpgB0YJLLtM=",
  "    secret: Wiu0qx68V3MKhFDr8+OFwGCNOOPBiQCDsLpRa3MdxEQ=",
  "secrets:",
  "    bootstraptoken: 2psnp2.lry8e9gycdix3bpa",
  "    secretboxencryptionsecret: 6zWBpno849HlD5jeuTmGToFYP+z8lgkJa0fhHobv7mE=",
  "trustdinfo:",
  "    token: oamejv.9tk1nhuwnlc2nghf",
  "certs:",
  "    etcd:",
  `        crt: ${b64(FIXED.certs.etcd.crt)}`,
  `        key: ${b64(FIXED.certs.etcd.key)}`,
  "    k8s:",
  `        crt: ${b64(FIXED.certs.k8s.crt)}`,
  `        key: ${b64(FIXED.certs.k8s.key)}`,
  "    k8saggregator:",
  `        crt: ${b64(FIXED.certs.k8sAggregator.crt)}`,
  `        key: ${b64(FIXED.certs.k8sAggregator.key)}`,
  "    k8sserviceaccount:",
  `        key: ${b64(FIXED.certs.k8sServiceAccount.key)}`,
  "    os:",
  `        crt: ${b64(FIXED.certs.os.crt)}`,
  `        key: ${b64(FIXED.certs.os.key)}`,
  "",
].join("\n");

describe("serializeSecretsYaml", () => {
  it("writes talosctl's layout: key order, 4-space indent, base64 of the full PEM text", () => {
    expect(serializeSecretsYaml(FIXED)).toBe(FIXED_YAML);
  });

  it("writes aescbcencryptionsecret in Go's field order, before secretbox, and omits empty secrets", () => {
    const both = serializeSecretsYaml({ ...FIXED, secrets: { ...FIXED.secrets, aescbcEncryptionSecret: "YWVz" } });
    expect(both).toContain("    bootstraptoken: 2psnp2.lry8e9gycdix3bpa\n    aescbcencryptionsecret: YWVz\n    secretboxencryptionsecret: ");
    const aescbcOnly = serializeSecretsYaml({ ...FIXED, secrets: { bootstrapToken: "2psnp2.lry8e9gycdix3bpa", aescbcEncryptionSecret: "YWVz", secretboxEncryptionSecret: "" } });
    expect(aescbcOnly).toContain("secrets:\n    bootstraptoken: 2psnp2.lry8e9gycdix3bpa\n    aescbcencryptionsecret: YWVz\ntrustdinfo:");
  });

  it("quotes a value yaml.v3 would otherwise read as a number, and reads it back", () => {
    const numeric = { ...FIXED, secrets: { ...FIXED.secrets, bootstrapToken: "123456.1234567890123456" } };
    const text = serializeSecretsYaml(numeric);
    expect(text).toContain('    bootstraptoken: "123456.1234567890123456"\n');
    expect(parseSecretsYaml(text)).toEqual(numeric);
  });

  it("keeps the redaction marker verbatim", () => {
    const redacted = { ...FIXED, certs: { ...FIXED.certs, os: { ...FIXED.certs.os, key: "******" } } };
    const text = serializeSecretsYaml(redacted);
    expect(text).toContain("        key: '******'\n");
    expect(parseSecretsYaml(text).certs.os.key).toBe("******");
  });
});

describe("parseSecretsYaml", () => {
  it("reads talosctl's layout back to the same bundle", () => {
    expect(parseSecretsYaml(FIXED_YAML)).toEqual(FIXED);
  });

  it("round-trips a generated bundle byte for byte", async () => {
    const bundle = await generateSecretsBundle(contractFor("v1.12.0"));
    const text = serializeSecretsYaml(bundle);
    expect(parseSecretsYaml(text)).toEqual(bundle);
    expect(serializeSecretsYaml(parseSecretsYaml(text))).toBe(text);
    expect(text.split("\n").filter((l) => l.startsWith("        crt: ") || l.startsWith("        key: "))).toHaveLength(9);
  });

  it("leaves missing and null fields empty for validation to report", () => {
    const bundle = parseSecretsYaml("cluster:\n    id: abc=\n    secret: ~\nsecrets:\ntrustdinfo: null\n");
    expect(bundle.cluster).toEqual({ id: "abc=", secret: "" });
    expect(bundle.trustdInfo).toEqual({ token: "" });
    expect(parseSecretsYaml("").cluster).toEqual({ id: "", secret: "" });
    expect(bundle.secrets).toEqual({ bootstrapToken: "" });
    expect(bundle.certs.os).toEqual({ crt: "", key: "" });
  });

  it("never quotes the broken (secret) line in a YAML error", () => {
    const broken = "cluster:\n    secret: pofHbABZq7VXuObsdLdy\n   id: 1\n";
    expect(() => parseSecretsYaml(broken)).toThrow(/^secrets\.yaml: not valid YAML/);
    expect(() => parseSecretsYaml(broken)).not.toThrow(/pofHbABZq7VXuObsdLdy/);
  });

  it.each([
    ["not YAML", "cluster: [\n", /^secrets\.yaml: not valid YAML/],
    ["a list at the top", "- a\n", "secrets.yaml: expected a mapping, got a list"],
    ["cluster as a string", "cluster: x\n", 'cluster: expected a mapping, got string "x"'],
    ["a list for the id", "cluster:\n    id: [a]\n", "cluster.id: expected a string, got a list"],
    ["a mapping for a cert", "certs:\n    etcd:\n        crt: {a: b}\n", "certs.etcd.crt: expected a string, got a mapping"],
    [
      "raw PEM instead of base64",
      "certs:\n    os:\n        crt: '-----BEGIN CERTIFICATE-----'\n",
      "certs.os.crt: not standard base64 (secrets.yaml holds each PEM base64-encoded, padded, on one line)",
    ],
    [
      "URL-safe base64 for a key",
      "certs:\n    k8sserviceaccount:\n        key: ab-_\n",
      "certs.k8sserviceaccount.key: not standard base64 (secrets.yaml holds each PEM base64-encoded, padded, on one line)",
    ],
  ])("refuses %s", (_name, text, message) => {
    expect(() => parseSecretsYaml(text)).toThrow(message);
  });
});
