import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { contractFor } from "../../talos/contract";
import { renderAdminKubeconfig } from "../../talos/kubeconfig";
import { generateSecretsBundle } from "../../talos/secrets-bundle";
import type { SecretsBundle } from "../../talos/types";
import { OID, inspectCertificate, truncateToSeconds } from "./secrets/cert-inspect";
import { currentCluster, currentUser, loadKubeconfig } from "./secrets/kube-client";

/** Key generation is slow on a loaded machine (RSA-4096). */
const BUNDLE_TIMEOUT_MS = 60_000;

const NOW = new Date("2025-06-01T08:00:00Z");
const DAY_MS = 86_400_000;
const OPTS = { clusterName: "homelab", endpoint: "https://192.168.10.10:6443", now: NOW };
const decode = (b: string) => Buffer.from(b, "base64").toString("utf8");

let bundle: SecretsBundle;
let text: string;
beforeAll(async () => {
  bundle = await generateSecretsBundle(contractFor("v1.11.5"), new Date("2025-01-01T00:00:00Z"));
  text = await renderAdminKubeconfig(bundle, OPTS);
}, BUNDLE_TIMEOUT_MS);

const load = loadKubeconfig;

describe("renderAdminKubeconfig", () => {
  it("loads with @kubernetes/client-node's parser: admin@<cluster> context, endpoint, CA", async () => {
    const kc = await load(text);
    expect(kc.currentContext).toBe("admin@homelab");
    expect(kc.contexts).toEqual([{ name: "admin@homelab", cluster: "homelab", user: "admin@homelab", namespace: "default" }]);
    const cluster = currentCluster(kc);
    expect(cluster.server).toBe("https://192.168.10.10:6443");
    expect(decode(cluster.caData!)).toBe(bundle.certs.k8s.crt);
    expect(currentUser(kc).name).toBe("admin@homelab");
  });

  it("holds a client certificate that verifies against the CA in the file", async () => {
    const kc = await load(text);
    const ca = new X509Certificate(decode(currentCluster(kc).caData!));
    const user = currentUser(kc);
    const crt = decode(user.certData!);
    const cert = new X509Certificate(crt);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    const key = decode(user.keyData!);
    expect(key.startsWith("-----BEGIN EC PRIVATE KEY-----\n")).toBe(true);
    expect(createPublicKey(createPrivateKey(key)).export({ type: "spki", format: "der" })).toEqual(
      cert.publicKey.export({ type: "spki", format: "der" }),
    );
  });

  it("issues CN=admin, O=system:masters with Talos's usages and validity", async () => {
    const facts = inspectCertificate(decode(currentUser(await load(text)).certData!));
    const ca = inspectCertificate(bundle.certs.k8s.crt);
    expect(facts.subject).toEqual([
      [OID.organization, "printable", "system:masters"],
      [OID.commonName, "printable", "admin"],
    ]);
    expect(facts.signatureOid).toBe(OID.ecdsaWithSha256);
    expect(facts.notBefore).toEqual(truncateToSeconds(new Date(NOW.getTime() - 10_000)));
    expect(facts.notAfter).toEqual(truncateToSeconds(new Date(NOW.getTime() + 365 * DAY_MS)));
    expect(facts.keyUsageDerHex).toBe("030205a0"); // digitalSignature | keyEncipherment
    expect(facts.extKeyUsage).toEqual([OID.clientAuth]);
    expect(facts.isCA).toBeUndefined();
    expect(facts.authorityKeyIdHex).toBe(ca.subjectKeyIdHex);
  });

  it("lays the document out in clientcmd order", () => {
    expect(text.split("\n").map((l) => l.replace(/(data): .*/, "$1: …"))).toEqual([
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: homelab",
      "  cluster:",
      "    server: https://192.168.10.10:6443",
      "    certificate-authority-data: …",
      "users:",
      "- name: admin@homelab",
      "  user:",
      "    client-certificate-data: …",
      "    client-key-data: …",
      "contexts:",
      "- context:",
      "    cluster: homelab",
      "    namespace: default",
      "    user: admin@homelab",
      "  name: admin@homelab",
      "current-context: admin@homelab",
      "",
    ]);
  });

  it("reuses an existing kubeconfig while it is valid for 30+ days and for the same endpoint and CA", async () => {
    const later = new Date(NOW.getTime() + 300 * DAY_MS);
    expect(await renderAdminKubeconfig(bundle, { ...OPTS, now: later, existing: text })).toBe(text);

    const nearExpiry = new Date(NOW.getTime() + 340 * DAY_MS);
    const renewed = await renderAdminKubeconfig(bundle, { ...OPTS, now: nearExpiry, existing: text });
    expect(renewed).not.toBe(text);
    expect(currentUser(await load(renewed)).certData).not.toBe(currentUser(await load(text)).certData);

    const moved = await renderAdminKubeconfig(bundle, { ...OPTS, endpoint: "https://192.168.10.20:6443", existing: text });
    expect(currentCluster(await load(moved)).server).toBe("https://192.168.10.20:6443");

    const other = await generateSecretsBundle(contractFor("v1.11.5"), NOW);
    const rekeyed = await renderAdminKubeconfig(other, { ...OPTS, existing: text });
    expect(decode(currentCluster(await load(rekeyed)).caData!)).toBe(other.certs.k8s.crt);

    expect(await renderAdminKubeconfig(bundle, { ...OPTS, existing: "::: not yaml" })).not.toBe("::: not yaml");
  });

  it("refuses an endpoint that is not an https URL", async () => {
    await expect(renderAdminKubeconfig(bundle, { ...OPTS, endpoint: "192.168.10.10:6443" })).rejects.toThrow(
      'kubeconfig endpoint "192.168.10.10:6443": must be an https URL such as https://192.168.10.10:6443',
    );
  });
});
