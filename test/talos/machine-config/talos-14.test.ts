import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { MOVED_FIELDS } from "../../../talos/machine-config/moved-fields";
import { MachineConfigError, renderMachineConfig } from "../../../talos/machine-config/render";
import { CONFIG_SCHEMAS } from "../../../talos/patches/config-schema";
import type { ClusterSpec, NodeSpec } from "../../../talos/types";
import { BUNDLE, clusterSpec, controlPlane, worker } from "./fixtures";

const render = (cluster: ClusterSpec, node: NodeSpec) => renderMachineConfig(BUNDLE, cluster, node);
const docs = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS() as Record<string, unknown>);
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    if (e instanceof MachineConfigError) return [...e.problems];
    throw e;
  }
  throw new Error("expected a MachineConfigError");
};
const v14 = (overrides: Partial<ClusterSpec> = {}): ClusterSpec => clusterSpec(overrides, "v1.14.1");

describe("Talos 1.14 machine configs", () => {
  it("keeps LUKS2 sealed to the TPM in VolumeConfig STATE/EPHEMERAL and the secretbox secret in KubeEtcdEncryptionConfig", () => {
    const out = docs(render(v14(), controlPlane(1)).yaml);
    const byKind = (kind: string, name?: string) => out.filter((d) => d.kind === kind && (name === undefined || d.name === name));
    expect(byKind("VolumeConfig", "EPHEMERAL")).toEqual([
      {
        apiVersion: "v1alpha1",
        kind: "VolumeConfig",
        name: "EPHEMERAL",
        encryption: { provider: "luks2", keys: [{ slot: 0, tpm: { checkSecurebootStatusOnEnroll: true }, lockToState: true }] },
        mount: { secure: true },
      },
    ]);
    expect(byKind("VolumeConfig", "STATE")[0]).toMatchObject({ encryption: { provider: "luks2", keys: [{ slot: 0, tpm: { checkSecurebootStatusOnEnroll: true } }] } });
    const etcd = byKind("KubeEtcdEncryptionConfig")[0] as { config: { resources: { providers: { secretbox: { keys: { secret: string }[] } }[] }[] } };
    expect(etcd.config.resources[0].providers[0].secretbox.keys[0].secret).toBe(BUNDLE.secrets.secretboxEncryptionSecret);
    expect((out[0].cluster as Record<string, unknown>).secretboxEncryptionSecret).toBeUndefined();
    // 1.14 deprecates .machine.install: the Image Factory installer of our schematic goes to UnattendedInstallConfig
    expect(byKind("UnattendedInstallConfig")[0]).toEqual({
      apiVersion: "v1alpha1",
      kind: "UnattendedInstallConfig",
      installer: { image: v14().installerImage },
      provisioning: { diskSelector: { match: 'disk.dev_path == "/dev/sda"' }, wipe: false },
    });
    expect(v14().installerImage).toMatch(/^factory\.talos\.dev\/nocloud-installer-secureboot\/[0-9a-f]{64}:v1\.14\.1$/);
    expect((out[0].machine as Record<string, unknown>).install).toBeUndefined();
    expect(byKind("KubeEtcdEncryptionConfig")).toHaveLength(1);
    expect(docs(render(v14(), worker(1)).yaml).some((d) => d.kind === "KubeEtcdEncryptionConfig")).toBe(false);
  });

  it.each([
    ["machine.nodeLabels", "machine:\n  nodeLabels:\n    zone: a\n", /\.machine\.nodeLabels moved out of the v1alpha1 document in Talos v1\.14: write it in the KubeNodeConfig \(labels\) document instead/],
    ["cluster.apiServer.extraArgs", "cluster:\n  apiServer:\n    extraArgs:\n      a: b\n", /\.cluster\.apiServer moved .* in Talos v1\.14: write it in the KubeAPIServerConfig/],
    ["machine.kubelet.extraArgs", "machine:\n  kubelet:\n    extraArgs:\n      max-pods: '150'\n", /\.machine\.kubelet moved .*KubeletConfig/],
    ["cluster.secretboxEncryptionSecret", "cluster:\n  secretboxEncryptionSecret: abc\n", /\.cluster\.secretboxEncryptionSecret moved .*KubeEtcdEncryptionConfig/],
    ["machine.install.disk", "machine:\n  install:\n    disk: /dev/vda\n", /\.machine\.install moved .*UnattendedInstallConfig/],
    ["machine.time (since 1.12)", "machine:\n  time:\n    servers: [a]\n", /\.machine\.time moved out of the v1alpha1 document in Talos v1\.12: write it in the TimeSyncConfig/],
  ])("refuses a user patch aimed at the moved field %s, naming the new document", (_name, patch, message) => {
    const problems = problemsOf(() => render(v14({ patches: [patch] }), controlPlane(1)));
    expect(problems.join("\n")).toMatch(/^cluster patch 1: the v1alpha1 machine config: /);
    expect(problems.join("\n")).toMatch(message);
  });

  it("accepts the same settings in their 1.14 documents", () => {
    const node = controlPlane(1, { patches: ["apiVersion: v1alpha1\nkind: KubeNodeConfig\nlabels:\n  zone: a\n"] });
    const out = docs(render(v14({ patches: ["apiVersion: v1alpha1\nkind: KubeletConfig\nextraArgs:\n  max-pods: '150'\n"] }), node).yaml);
    expect(out.find((d) => d.kind === "KubeNodeConfig")).toMatchObject({ labels: { zone: "a", "node-role.kubernetes.io/control-plane": "" } });
    expect(out.find((d) => d.kind === "KubeletConfig")).toMatchObject({ extraArgs: { "max-pods": "150" } });
  });

  it("replaces pod subnets and the audit policy on merge, as Talos does (merge:\"replace\")", () => {
    const patches = [
      "apiVersion: v1alpha1\nkind: KubeNetworkConfig\npodSubnets:\n  - 10.100.0.0/16\n",
      "apiVersion: v1alpha1\nkind: KubeAuditPolicyConfig\nconfiguration:\n  apiVersion: audit.k8s.io/v1\n  kind: Policy\n  rules:\n    - level: None\n",
    ];
    const out = docs(render(v14({ patches }), controlPlane(1)).yaml);
    expect(out.find((d) => d.kind === "KubeNetworkConfig")).toMatchObject({ podSubnets: ["10.100.0.0/16"], serviceSubnets: ["10.96.0.0/12"] });
    expect(out.find((d) => d.kind === "KubeAuditPolicyConfig")).toMatchObject({ configuration: { rules: [{ level: "None" }] } });
  });

  it.each([
    ["v1.14.1", "machine:\n  kubletz:\n    a: b\n", /cluster patch 1: the v1alpha1 machine config: Talos v1\.14\.1 does not know the field \.machine\.kubletz: fix its spelling or remove it \(fields here: type, token, ca/],
    ["v1.14.1", "apiVersion: v1alpha1\nkind: KubeletConfig\nextraArgz:\n  a: b\n", /cluster patch 1: document KubeletConfig: Talos v1\.14\.1 does not know the field \.extraArgz/],
    ["v1.11.5", "machine:\n  install:\n    disks: /dev/sda\n", /the v1alpha1 machine config: Talos v1\.11\.5 does not know the field \.machine\.install\.disks: .*\(fields here: disk, /],
    ["v1.12.7", "apiVersion: v1alpha1\nkind: VolumeConfig\nname: EPHEMERAL\nprovisioning:\n  maxsize: 10GiB\n", /document VolumeConfig: Talos v1\.12\.7 does not know the field \.provisioning\.maxsize/],
    ["v1.13.9", "apiVersion: v1alpha1\nkind: KubeNodeConfig\nlabels:\n  a: b\n", /Talos v1\.13\.9 has no config document of kind "KubeNodeConfig" \(it exists from Talos v1\.14\)/],
    ["v1.11.5", '[{"op": "add", "path": "/machine/kubletz", "value": {"a": 1}}]', /the v1alpha1 machine config: Talos v1\.11\.5 does not know the field \.machine\.kubletz/],
    ["v1.11.5", '[{"op": "add", "path": "/machine/network/interfaces/0/vipz", "value": "x"}]', /does not know the field \.machine\.network\.interfaces\.vipz/],
  ])("refuses, on %s, a patch with a field or document Talos does not know", (version, patch, message) => {
    const node = version === "v1.11.5" || version === "v1.12.7" ? worker(1) : controlPlane(1);
    expect(problemsOf(() => render(clusterSpec({ patches: [patch] }, version), node)).join("\n")).toMatch(message);
  });

  it.each(["v1.11.5", "v1.12.7", "v1.13.9", "v1.14.1"])("refuses on %s a patch that changes machine.type", (version) => {
    const problems = problemsOf(() => render(clusterSpec({}, version), worker(1, { patches: ["machine:\n  type: controlplane\n"] })));
    expect(problems.join("\n")).toMatch(/node "worker-1" patch 1: changes \.machine\.type from worker to controlplane: a node's machine type is its role; set nodes\[\]\.role/);
  });

  it.each([
    ["v1.11.5", "cluster:\n  token: abcdef.0123456789abcdef\n", /changes \.cluster\.token, which holds the cluster's own token, key or CA/],
    ["v1.12.7", "machine:\n  token: abcdef.0123456789abcdef\n", /changes \.machine\.token/],
    ["v1.13.9", "cluster:\n  aggregatorCA:\n    crt: bm90IGEgY2VydA==\n", /changes \.cluster\.aggregatorCA/],
    ["v1.14.1", "apiVersion: v1alpha1\nkind: DiscoveryIdentityConfig\nclusterSecret: c3VwZXItc2VjcmV0LXZhbHVlLTEyMzQ1Njc4OTAxMjM0NTY=\n", /changes DiscoveryIdentityConfig clusterSecret/],
    ["v1.14.1", "apiVersion: v1alpha1\nkind: KubeAPIServerCAConfig\nissuingCA:\n  cert: x\n", /changes KubeAPIServerCAConfig issuingCA/],
    ["v1.14.1", "machine:\n  ca:\n    crt: eA==\n", /changes \.machine\.ca/],
  ])("refuses on %s a patch that changes the cluster's tokens or CAs, without printing them", (version, patch, message) => {
    const problems = problemsOf(() => render(clusterSpec({ patches: [patch] }, version), controlPlane(1))).join("\n");
    expect(problems).toMatch(message);
    expect(problems).not.toMatch(/abcdef|c3VwZXIt|0123456789/);
  });
});

describe("the moved-field table against machinery's config schema", () => {
  it("names only fields that schema no longer documents from the version they moved in", () => {
    type Node = 0 | 1 | { p: Record<string, Node> } | { m: Node };
    const documented = (node: Node | undefined, path: string[]): boolean => {
      if (path.length === 0) return node !== undefined;
      if (node === undefined || node === 0) return false;
      if (node === 1) return true;
      if ("m" in node) return documented(node.m, path.slice(1));
      return documented(node.p[path[0]], path.slice(1));
    };
    for (const entry of MOVED_FIELDS) {
      for (const minor of [11, 12, 13, 14] as const) {
        if (minor < entry.since) continue;
        expect(documented(CONFIG_SCHEMAS[minor].kinds.v1alpha1 as Node, entry.path.split(".")), `${entry.path} in v1.${minor}`).toBe(false);
      }
      const kind = entry.document.split(" ")[0];
      if (/^[A-Z]\w+Config$|^KubeSpanConfig$/.test(kind)) {
        expect(CONFIG_SCHEMAS[entry.since].kinds[kind], `${kind} exists in v1.${entry.since}`).toBeDefined();
      }
    }
  });
});
