import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { contractFor } from "../../../talos/contract";
import { baseMachineConfig } from "../../../talos/machine-config/base";
import { encodeConfig } from "../../../talos/patches/apply";
import type { NodeRole } from "../../../talos/types";
import { BUNDLE, b64 } from "./fixtures";

const render = (talosVersion: string, role: NodeRole): string =>
  encodeConfig(
    baseMachineConfig({
      contract: contractFor(talosVersion),
      clusterName: "base",
      endpoint: "https://base:6443",
      kubernetesVersion: "1.28.0",
      role,
      bundle: BUNDLE,
    }),
  );
const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Record<string, Record<string, unknown>>);
const keys = (value: unknown): string[] => Object.keys(value as object);

describe.each([
  ["v1.11.5", 11],
  ["v1.12.7", 12],
] as const)("generated base config, contract %s", (version, minor) => {
  const cp = render(version, "controlplane");
  const wk = render(version, "worker");
  const [cpMain] = docs(cp);
  const [wkMain] = docs(wk);

  it("control plane: top level and machine/cluster fields in Talos's emitted order", () => {
    expect(cp.startsWith("version: v1alpha1\ndebug: false\npersist: true\nmachine:\n    type: controlplane\n")).toBe(true);
    expect(keys(cpMain.machine)).toEqual(["type", "token", "ca", "certSANs", "kubelet", "network", "install", "features", "nodeLabels"]);
    expect(keys(cpMain.cluster)).toEqual([
      "id", "secret", "controlPlane", "clusterName", "network", "token", "secretboxEncryptionSecret", "ca",
      "aggregatorCA", "serviceAccount", "apiServer", "controllerManager", "proxy", "scheduler", "discovery", "etcd",
    ]);
    expect(cp).toContain("    certSANs: []\n");
    expect(cp).toContain("    network: {}\n");
    expect(cp).toContain('        node.kubernetes.io/exclude-from-external-load-balancers: ""\n');
  });

  it("worker: certificate-only CAs and no control-plane sections", () => {
    expect(keys(wkMain.machine)).toEqual(["type", "token", "ca", "certSANs", "kubelet", "network", "install", "features"]);
    expect(keys(wkMain.cluster)).toEqual(["id", "secret", "controlPlane", "clusterName", "network", "token", "ca", "discovery"]);
    expect(wkMain.machine.ca).toEqual({ crt: b64(BUNDLE.certs.os.crt), key: "" });
    expect(wkMain.cluster.ca).toEqual({ crt: b64(BUNDLE.certs.k8s.crt), key: "" });
  });

  it("carries the bundle: tokens, cluster id/secret, secretbox and base64 PEM", () => {
    expect(cpMain.machine.token).toBe(BUNDLE.trustdInfo.token);
    expect(cpMain.cluster.token).toBe(BUNDLE.secrets.bootstrapToken);
    expect(cpMain.cluster.secretboxEncryptionSecret).toBe(BUNDLE.secrets.secretboxEncryptionSecret);
    expect(cpMain.cluster.serviceAccount).toEqual({ key: b64(BUNDLE.certs.k8sServiceAccount.key) });
    expect(cpMain.cluster.etcd).toEqual({ ca: { crt: b64(BUNDLE.certs.etcd.crt), key: b64(BUNDLE.certs.etcd.key) } });
    expect(cpMain.cluster.aggregatorCA).toEqual({ crt: b64(BUNDLE.certs.k8sAggregator.crt), key: b64(BUNDLE.certs.k8sAggregator.key) });
  });

  it("uses the Kubernetes version in every image", () => {
    for (const image of ["ghcr.io/siderolabs/kubelet", "registry.k8s.io/kube-apiserver", "registry.k8s.io/kube-controller-manager", "registry.k8s.io/kube-proxy", "registry.k8s.io/kube-scheduler"]) {
      expect(cp).toContain(`image: ${image}:v1.28.0\n`);
    }
  });

  it("applies the contract's differences", () => {
    const legacy = minor === 11;
    expect(cp.includes("        rbac: true\n        stableHostname: true\n")).toBe(legacy);
    expect(cp.includes("apidCheckExtKeyUsage: true")).toBe(legacy);
    expect(cp.includes("disablePodSecurityPolicy: true")).toBe(legacy);
    expect(cp.includes("        certSANs:\n            - base\n")).toBe(legacy);
    expect(cp.includes("grubUseUKICmdline: true")).toBe(!legacy);
    expect(docs(cp)).toHaveLength(legacy ? 1 : 2);
    expect(docs(wk)).toHaveLength(legacy ? 1 : 2);
    if (!legacy) expect(cp.endsWith("---\napiVersion: v1alpha1\nkind: HostnameConfig\nauto: stable\n")).toBe(true);
  });
});

it("emits aescbc instead of secretbox when the bundle has only aescbc", () => {
  const bundle = { ...BUNDLE, secrets: { bootstrapToken: BUNDLE.secrets.bootstrapToken, aescbcEncryptionSecret: "old+key=" } };
  const [main] = docs(
    encodeConfig(baseMachineConfig({ contract: contractFor("v1.11.5"), clusterName: "c", endpoint: "https://h:6443", kubernetesVersion: "1.34.1", role: "controlplane", bundle })),
  );
  expect(main.cluster.aescbcEncryptionSecret).toBe("old+key=");
  expect(main.cluster).not.toHaveProperty("secretboxEncryptionSecret");
});
