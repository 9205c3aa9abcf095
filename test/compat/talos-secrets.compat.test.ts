import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractFor } from "../../talos/contract";
import { generateSecretsBundle } from "../../talos/secrets-bundle";
import { validateSecretsBundle } from "../../talos/secrets-validate";
import { parseSecretsYaml, serializeSecretsYaml } from "../../talos/secrets-yaml";
import { renderTalosconfig } from "../../talos/talosconfig";
import type { SecretsBundle } from "../../talos/types";
import { inspectCertificate } from "../talos/secrets/cert-inspect";
import { type ToolName, requireTool, runTool } from "./helpers/tools";

// Our secrets bundle and talosconfig against Talos's own loaders (through talos-oracle), and Talos's
// own bundle generator against our loader and serializer.

const contracts: { oracle: ToolName; talosVersion: string }[] = [
  { oracle: "talos-oracle-v1.11", talosVersion: "v1.11.5" },
  { oracle: "talos-oracle-v1.12", talosVersion: "v1.12.7" },
  { oracle: "talos-oracle-v1.13", talosVersion: "v1.13.9" },
  { oracle: "talos-oracle-v1.14", talosVersion: "v1.14.1" },
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "talos-secrets-compat-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeSecret(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

describe.each(contracts)("$oracle", ({ oracle, talosVersion }) => {
  it("bundle --strict: Talos loads and validates our secrets.yaml, and would write it byte for byte", async () => {
    const bin = requireTool(oracle);
    const bundle = await generateSecretsBundle(contractFor(talosVersion));
    const file = writeSecret(`ours-${talosVersion}.yaml`, serializeSecretsYaml(bundle));
    const result = runTool(bin, ["bundle", "--strict", file]);
    expect(result.stdout + result.stderr).toContain("valid secrets bundle");
    expect(result.code).toBe(0);
  });

  it("our loader accepts a bundle from Talos's generator and re-serializes it byte-identically", () => {
    const bin = requireTool(oracle);
    const file = join(dir, `talos-${talosVersion}.yaml`);
    const gen = runTool(bin, ["gen-secrets", "--talos-version", talosVersion, "-o", file]);
    expect(gen.stderr).toBe("");
    expect(gen.code).toBe(0);
    const text = readFileSync(file, "utf8");
    const bundle = parseSecretsYaml(text);
    expect(() => validateSecretsBundle(bundle)).not.toThrow();
    expect(serializeSecretsYaml(bundle)).toBe(text);
    expect(bundle.certs.os.key.startsWith("-----BEGIN ED25519 PRIVATE KEY-----\n")).toBe(true);
    expect(bundle.certs.k8sServiceAccount.key.startsWith("-----BEGIN RSA PRIVATE KEY-----\n")).toBe(true);
  });

  it("our CAs have the same layout as Talos's (all but the random serial, key id, key and signature)", async () => {
    const bin = requireTool(oracle);
    const file = join(dir, `talos-layout-${talosVersion}.yaml`);
    expect(runTool(bin, ["gen-secrets", "--talos-version", talosVersion, "-o", file]).code).toBe(0);
    const theirs = parseSecretsYaml(readFileSync(file, "utf8"));
    const ours = await generateSecretsBundle(contractFor(talosVersion));
    const layout = (b: SecretsBundle) =>
      (["etcd", "k8s", "k8sAggregator", "os"] as const).map((entry) => {
        const f = inspectCertificate(b.certs[entry].crt);
        return {
          entry,
          version: f.version,
          signatureOid: f.signatureOid,
          subject: f.subject,
          selfIssued: f.issuerDerHex === f.subjectDerHex,
          validityMs: f.notAfter.getTime() - f.notBefore.getTime(),
          extensions: f.extensions,
          keyUsage: f.keyUsageDerHex,
          extKeyUsage: f.extKeyUsage,
          basicConstraints: f.basicConstraintsDerHex,
          subjectKeyIdBytes: (f.subjectKeyIdHex ?? "").length / 2,
          authorityKeyId: f.authorityKeyIdHex,
          keyLabel: b.certs[entry].key.split("\n")[0],
        };
      });
    expect(layout(ours)).toEqual(layout(theirs));
    expect(ours.certs.k8sServiceAccount.key.split("\n")[0]).toBe(theirs.certs.k8sServiceAccount.key.split("\n")[0]);
  });

  it("talosconfig: Talos's client loader reads ours and builds TLS credentials that chain to the CA", async () => {
    const bin = requireTool(oracle);
    const bundle = await generateSecretsBundle(contractFor(talosVersion));
    const text = await renderTalosconfig(bundle, {
      contextName: "homelab",
      endpoints: ["192.168.10.11", "192.168.10.12"],
      nodes: ["192.168.10.11"],
    });
    const result = runTool(bin, ["talosconfig", writeSecret(`talosconfig-${talosVersion}`, text)]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("context: homelab\n");
    expect(result.stdout).toContain("endpoints: 192.168.10.11,192.168.10.12\n");
    expect(result.stdout).toContain("nodes: 192.168.10.11\n");
    expect(result.stdout).toContain("subject: O=os:admin\n");
    expect(result.stdout).toContain("key: ed25519.PrivateKey\n");
  });
});
