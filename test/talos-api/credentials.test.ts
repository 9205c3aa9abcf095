import { credentials } from "@grpc/grpc-js";
import { beforeAll, describe, expect, it } from "vitest";
import { talosTarget } from "../../talos/api/address";
import { mutualTlsCredentials } from "../../talos/api/credentials";
import { normalizeFingerprint } from "../../talos/api/fingerprint";
import { parseTalosconfigContext } from "../../talos/api/talosconfig-context";
import { renderTalosconfig } from "../../talos/talosconfig";
import type { CertAndKey, SecretsBundle } from "../../talos/types";
import { issueClientCertificate, makeTalosCa } from "./helpers/pki";

let ca: CertAndKey;
let admin: CertAndKey;

beforeAll(async () => {
  ca = await makeTalosCa();
  admin = await issueClientCertificate(ca);
});

describe("the ED25519 PRIVATE KEY label", () => {
  it("is refused by Node as Talos writes it, and accepted once rewritten for the channel", () => {
    expect(admin.key).toMatch(/^-----BEGIN ED25519 PRIVATE KEY-----\n/);
    expect(() => credentials.createSsl(Buffer.from(ca.crt), Buffer.from(admin.key), Buffer.from(admin.crt))).toThrow();
    expect(mutualTlsCredentials({ ca: ca.crt, ...admin })._isSecure()).toBe(true);
  });
});

describe("talosconfig contexts", () => {
  it("reads the CA, client certificate and key of the current context", async () => {
    const bundle = { certs: { os: ca } } as unknown as SecretsBundle;
    const text = await renderTalosconfig(bundle, { contextName: "lab", endpoints: ["10.0.0.11"], nodes: ["10.0.0.12"] });
    const context = parseTalosconfigContext(text);
    expect(context).toMatchObject({ name: "lab", endpoints: ["10.0.0.11"], nodes: ["10.0.0.12"], ca: ca.crt });
    expect(context.key).toMatch(/BEGIN ED25519 PRIVATE KEY/);
    expect(() => mutualTlsCredentials(context)).not.toThrow();
  });

  it("names a missing context and the ones that exist", () => {
    expect(() => parseTalosconfigContext("context: a\ncontexts:\n  b: {}\n")).toThrow('talosconfig has no context "a" (contexts: b)');
    expect(() => parseTalosconfigContext("context: b\ncontexts:\n  b: {ca: eA==}\n")).toThrow(/"ca" is not base64 of a PEM block/);
  });
});

describe("addresses and fingerprints", () => {
  it.each([
    ["10.0.0.11", "10.0.0.11:50000"],
    ["10.0.0.11:50001", "10.0.0.11:50001"],
    ["node-1", "node-1:50000"],
    ["fd00::11", "[fd00::11]:50000"],
    ["[fd00::11]:50000", "[fd00::11]:50000"],
  ])("%s dials %s", (endpoint, target) => {
    expect(talosTarget(endpoint)).toBe(target);
  });

  it("accepts colon-separated and plain SHA-256 fingerprints and refuses others", () => {
    const hex = "0123456789abcdef".repeat(4);
    expect(normalizeFingerprint(hex.toUpperCase().match(/../g)!.join(":"))).toBe(hex);
    expect(() => normalizeFingerprint("abc")).toThrow(/not a SHA-256 fingerprint/);
  });
});
