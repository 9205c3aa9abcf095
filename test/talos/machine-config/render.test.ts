import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import {
  MachineConfigError,
  machineConfigCompareSpec,
  renderMachineConfig,
} from "../../../talos/machine-config/render";
import { endpointProblem } from "../../../talos/machine-config/validate-inputs";
import type { ClusterSpec, NodeSpec } from "../../../talos/types";
import { BUNDLE, clusterSpec, controlPlane, worker } from "./fixtures";

const render = (cluster: ClusterSpec, node: NodeSpec) => renderMachineConfig(BUNDLE, cluster, node);
const docs = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS() as Record<string, Record<string, unknown>>);
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    if (e instanceof MachineConfigError) return [...e.problems];
    throw e;
  }
  throw new Error("expected a MachineConfigError");
};

describe("renderMachineConfig", () => {
  it("is deterministic: the same bundle and inputs give byte-identical output", () => {
    for (const version of ["v1.11.5", "v1.12.7"]) {
      const cluster = clusterSpec({ patches: ["machine:\n  sysctls:\n    b: '1'\n    a: '2'\n"] }, version);
      expect(render(cluster, controlPlane(1)).yaml).toBe(render(clusterSpec({ patches: ["machine:\n  sysctls:\n    b: '1'\n    a: '2'\n"] }, version), controlPlane(1)).yaml);
    }
  });

  it("renders every document in order: v1alpha1 first, then ours", () => {
    expect(docs(render(clusterSpec(), controlPlane()).yaml).map((d) => d.kind ?? "v1alpha1")).toEqual(["v1alpha1", "VolumeConfig", "VolumeConfig"]);
    expect(docs(render(clusterSpec({}, "v1.12.7"), controlPlane()).yaml).map((d) => d.kind)).toEqual([
      undefined, "HostnameConfig", "LinkAliasConfig", "LinkConfig", "Layer2VIPConfig", "ResolverConfig", "VolumeConfig", "VolumeConfig",
    ]);
  });

  it("keeps the bundle's secretbox secret", () => {
    expect(docs(render(clusterSpec(), controlPlane()).yaml)[0].cluster.secretboxEncryptionSecret).toBe(BUNDLE.secrets.secretboxEncryptionSecret);
  });

  it("applies user patches after ours, the node's last", () => {
    const cluster = clusterSpec({
      patches: ["machine:\n  install:\n    disk: /dev/vda\n"],
      rolePatches: { controlplane: ["machine:\n  install:\n    disk: /dev/vdb\n"], worker: [] },
    });
    const main = (node: NodeSpec) => docs(render(cluster, node).yaml)[0].machine as { install: { disk: string } };
    expect(main(worker()).install.disk).toBe("/dev/vda");
    expect(main(controlPlane()).install.disk).toBe("/dev/vdb");
    expect(main(controlPlane(1, { patches: ["machine:\n  install:\n    disk: /dev/vdc\n"] })).install.disk).toBe("/dev/vdc");
  });

  it("refuses a user JSON patch on the multi-document config with the Talos error and the fix", () => {
    const node = worker(1, { patches: ["- op: add\n  path: /machine/network/hostname\n  value: x\n"] });
    const [problem] = problemsOf(() => render(clusterSpec(), node));
    expect(problem).toMatch(/^node "worker-1" patch 1: JSON6902 patches are not supported for multi-document machine configuration/);
    expect(problem).toMatch(/3 documents: v1alpha1, VolumeConfig STATE, VolumeConfig EPHEMERAL.*rewrite the patch as a strategic merge patch/);
  });

  it("names the user patch that fails", () => {
    expect(problemsOf(() => render(clusterSpec({ patches: ["machine: [oops\n"] }), worker()))[0]).toMatch(/^cluster patch 1 is not valid YAML/);
  });

  it("gives the oracle the base inputs and the same ordered patches", () => {
    const cluster = clusterSpec({ patches: ["machine:\n  sysctls:\n    a: '1'\n"] });
    const spec = machineConfigCompareSpec(BUNDLE, cluster, controlPlane());
    expect(spec).toMatchObject({ clusterName: "homelab", endpoint: "https://192.168.10.10:6443", kubernetesVersion: "1.34.1", talosVersion: "v1.11.5", role: "controlplane" });
    expect(spec.patches).toHaveLength(5);
    expect(spec.patches[4]).toBe("machine:\n  sysctls:\n    a: '1'\n");
  });
});

describe("input validation", () => {
  it.each([
    ["http://192.168.10.10:6443", /must use https .*https:\/\/192\.168\.10\.10:6443/],
    ["https://192.168.10.10", /must have an explicit port .*https:\/\/192\.168\.10\.10:6443/],
    ["https://vip:6443/api", /must have an explicit port and no path/],
    ["192.168.10.10:6443", /is not a URL|must use https/],
  ])("refuses endpoint %s", (endpoint, message) => {
    expect(endpointProblem(endpoint)).toMatch(message);
    expect(problemsOf(() => render(clusterSpec({ endpoint }), worker())).join("\n")).toMatch(message);
  });

  it("accepts https endpoints with a port, IPv6 included", () => {
    expect(endpointProblem("https://k8s.example.org:6443")).toBeUndefined();
    expect(endpointProblem("https://[fd00::10]:6443")).toBeUndefined();
  });

  it.each<[string, Partial<ClusterSpec>, RegExp]>([
    ["clusterName", { clusterName: "Home_Lab" }, /clusterName "Home_Lab" is not a valid name/],
    ["kubernetesVersion", { kubernetesVersion: "v1.34.1" }, /kubernetesVersion "v1\.34\.1" .*without "v", e\.g\. 1\.34\.1/],
    ["vip", { vip: "192.168.10" }, /vip "192\.168\.10" is not an IPv4 address/],
    ["nameservers", { nameservers: ["dns.google"] }, /nameservers\[0\] "dns\.google" is not an IP address/],
    ["certSANs", { certSANs: ["has space"] }, /certSANs\[0\] "has space"/],
    ["installDisk", { installDisk: "sda" }, /installDisk "sda" is not a device path: use e\.g\. \/dev\/sda/],
    ["installerImage", { installerImage: "nocloud-installer" }, /installerImage "nocloud-installer" is not an image reference: use factory\.talos\.dev/],
  ])("refuses a bad %s naming field, value and fix", (_field, overrides, message) => {
    expect(problemsOf(() => render(clusterSpec(overrides), worker())).join("\n")).toMatch(message);
  });

  it.each<[string, Partial<NodeSpec>, RegExp]>([
    ["name", { name: "Worker_1" }, /node "Worker_1": name is used as the hostname/],
    ["address", { address: "192.168.10.21" }, /address "192\.168\.10\.21" must be an IPv4 address with prefix length/],
    ["gateway", { gateway: "gw" }, /gateway "gw" is not an IPv4 address/],
    ["gateway subnet", { gateway: "10.0.0.1" }, /gateway "10\.0\.0\.1" is outside 192\.168\.10\.21\/24/],
    ["address = VIP", { address: "192.168.10.10/24" }, /is the cluster VIP: give the node its own address/],
    ["mac", { mac: "BC-24-11-00-00-01" }, /mac "BC-24-11-00-00-01" must be six lower-case hex pairs/],
  ])("refuses a bad node %s", (_field, overrides, message) => {
    expect(problemsOf(() => render(clusterSpec(), worker(1, overrides))).join("\n")).toMatch(message);
  });

  it("reports every input problem at once", () => {
    expect(problemsOf(() => render(clusterSpec({ vip: "x", installDisk: "y" }), worker(1, { gateway: "z" })))).toHaveLength(3);
  });
});

describe("rendered config checks (what Talos would reject after user patches)", () => {
  it.each<[string, NodeSpec, RegExp]>([
    ["a VIP on a worker interface", worker(1, { patches: ["machine:\n  network:\n    interfaces:\n      - interface: eth1\n        vip:\n          ip: 10.0.0.5\n"] }), /a Layer-2 VIP is not allowed on workers/],
    ["a Layer2VIPConfig on 1.11", worker(1, { patches: ["apiVersion: v1alpha1\nkind: Layer2VIPConfig\nname: 10.0.0.5\nlink: eth0\n"] }), /node "worker-1" patch 1: Talos v1\.11\.5 has no config document of kind "Layer2VIPConfig" \(it exists from Talos v1\.12\)/],
    ["the Talos CA key on a worker", worker(1, { patches: ["machine:\n  ca:\n    key: c2VjcmV0\n"] }), /changes \.machine\.ca, which holds the cluster's own token, key or CA/],
    ["the Kubernetes CA key on a worker", worker(1, { patches: ["cluster:\n  ca:\n    key: c2VjcmV0\n"] }), /changes \.cluster\.ca, which holds/],
    ["etcd on a worker", worker(1, { patches: ["cluster:\n  etcd:\n    image: x\n"] }), /\.cluster\.etcd is only allowed on control planes/],
    ["no install disk", worker(1, { patches: ["machine:\n  install:\n    $patch: delete\n"] }), /needs a disk or a diskSelector/],
    ["persist off", worker(1, { patches: ["persist: false\n"] }), /\.persist must be true/],
    ["lockToState on STATE", worker(1, { patches: ["apiVersion: v1alpha1\nkind: VolumeConfig\nname: STATE\nencryption:\n  keys:\n    - slot: 1\n      nodeID: {}\n      lockToState: true\n"] }), /STATE cannot use lockToState/],
    ["a reused key slot", worker(1, { patches: ["apiVersion: v1alpha1\nkind: VolumeConfig\nname: EPHEMERAL\nencryption:\n  keys:\n    - slot: 0\n      nodeID: {}\n"] }), /uses an encryption key slot twice/],
    ["both encryption mechanisms", worker(1, { patches: ["machine:\n  systemDiskEncryption:\n    state:\n      provider: luks2\n      keys:\n        - slot: 0\n          nodeID: {}\n"] }), /\.machine\.systemDiskEncryption moved out of the v1alpha1 document in Talos v1\.11: write it in the VolumeConfig/],
  ])("refuses %s", (_name, node, message) => {
    expect(problemsOf(() => render(clusterSpec(), node)).join("\n")).toMatch(message);
  });

  it("refuses a Layer2VIPConfig on a 1.12 worker", () => {
    const node = worker(1, { patches: ["apiVersion: v1alpha1\nkind: Layer2VIPConfig\nname: 10.0.0.5\nlink: eth0\n"] });
    expect(problemsOf(() => render(clusterSpec({}, "v1.12.7"), node)).join("\n")).toMatch(/a Layer-2 VIP is not allowed on workers/);
  });

  it("refuses a 1.12 hostname patch that sets auto and hostname together", () => {
    const node = worker(1, { patches: ["apiVersion: v1alpha1\nkind: HostnameConfig\nauto: stable\n"] });
    expect(problemsOf(() => render(clusterSpec({}, "v1.12.7"), node))[0]).toMatch(/HostnameConfig sets both auto: stable and hostname: worker-1/);
  });
});
