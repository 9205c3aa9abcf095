import { describe, expect, it } from "vitest";
import { applyPatches, encodeConfig, loadPatch, loadPatches, parseConfig } from "../../../talos/patches/apply";
import { mergeValue } from "../../../talos/patches/merge-value";
import type { ConfigDocument, YamlMap } from "../../../talos/patches/yaml-value";

const BASE = `version: v1alpha1
machine:
    type: controlplane
    token: t
    certSANs:
        - a.example
    network:
        interfaces:
            - interface: eth0
              addresses:
                - 10.0.0.2/24
              vlans:
                - vlanId: 10
                  mtu: 1400
            - deviceSelector:
                hardwareAddr: bc:24:11:00:00:01
              mtu: 1500
    install:
        wipe: false
    features:
        kubePrism:
            enabled: true
            port: 7445
    nodeLabels:
        zone: a
cluster:
    controlPlane:
        endpoint: https://10.0.0.1:6443
    clusterName: c
    network:
        dnsDomain: cluster.local
        podSubnets:
            - 10.244.0.0/16
        serviceSubnets:
            - 10.96.0.0/12
    apiServer:
        admissionControl:
            - name: PodSecurity
              configuration:
                defaults:
                    enforce: baseline
        auditPolicy:
            apiVersion: audit.k8s.io/v1
            kind: Policy
            rules:
                - level: Metadata
---
apiVersion: v1alpha1
kind: VolumeConfig
name: STATE
encryption:
    provider: luks2
    keys:
        - slot: 0
          nodeID: {}
---
apiVersion: v1alpha1
kind: VolumeConfig
name: EPHEMERAL
encryption:
    provider: luks2
    keys:
        - slot: 0
          nodeID: {}
`;

const patch = (...texts: string[]): ConfigDocument[] => applyPatches(parseConfig(BASE), loadPatches(texts));
const main = (docs: ConfigDocument[]): YamlMap => docs[0];
const get = (doc: YamlMap, path: string): unknown =>
  path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);

describe("strategic merge: values", () => {
  it("merges maps per key and keeps untouched siblings", () => {
    const out = main(patch("machine:\n  features:\n    kubePrism:\n      port: 7446\n"));
    expect(get(out, "machine.features.kubePrism")).toEqual({ enabled: true, port: 7446 });
  });

  it("ignores a zero scalar (\"\" or 0) in the patch, but booleans always overwrite", () => {
    const out = main(patch('machine:\n  token: ""\n  features:\n    kubePrism:\n      port: 0\n      enabled: false\n'));
    expect(get(out, "machine.token")).toBe("t");
    expect(get(out, "machine.features.kubePrism")).toEqual({ enabled: false, port: 7445 });
  });

  it("lets a zero value overwrite a pointer field", () => {
    expect(mergeValue(5, 0, { kind: "scalar", pointer: true }, "x")).toBe(0);
    expect(mergeValue(5, 0, { kind: "scalar", pointer: false }, "x")).toBe(5);
  });

  it("appends plain lists", () => {
    expect(get(main(patch("machine:\n  certSANs: [b.example]\n")), "machine.certSANs")).toEqual(["a.example", "b.example"]);
  });

  it("replaces podSubnets and serviceSubnets", () => {
    const out = main(patch("cluster:\n  network:\n    podSubnets: [10.200.0.0/16]\n    serviceSubnets: [10.100.0.0/16]\n"));
    expect(get(out, "cluster.network.podSubnets")).toEqual(["10.200.0.0/16"]);
    expect(get(out, "cluster.network.serviceSubnets")).toEqual(["10.100.0.0/16"]);
  });

  it("replaces auditPolicy as a whole", () => {
    const out = main(patch("cluster:\n  apiServer:\n    auditPolicy:\n      rules: [{level: None}]\n"));
    expect(get(out, "cluster.apiServer.auditPolicy")).toEqual({ rules: [{ level: "None" }] });
  });

  it("merges admissionControl entries by name, appending new names", () => {
    const out = main(
      patch(
        "cluster:\n  apiServer:\n    admissionControl:\n      - name: PodSecurity\n        configuration:\n          defaults:\n            warn: restricted\n      - name: Other\n        configuration: {a: 1}\n",
      ),
    );
    expect(get(out, "cluster.apiServer.admissionControl")).toEqual([
      { name: "PodSecurity", configuration: { defaults: { enforce: "baseline", warn: "restricted" } } },
      { name: "Other", configuration: { a: 1 } },
    ]);
  });

  it("merges network interfaces by interface name", () => {
    const out = main(patch("machine:\n  network:\n    interfaces:\n      - interface: eth0\n        mtu: 9000\n"));
    const interfaces = get(out, "machine.network.interfaces") as YamlMap[];
    expect(interfaces).toHaveLength(2);
    expect(interfaces[0]).toMatchObject({ interface: "eth0", mtu: 9000, addresses: ["10.0.0.2/24"] });
  });

  it("merges network interfaces by an equal deviceSelector", () => {
    const out = main(patch("machine:\n  network:\n    interfaces:\n      - deviceSelector: {hardwareAddr: 'bc:24:11:00:00:01'}\n        dhcp: true\n"));
    const interfaces = get(out, "machine.network.interfaces") as YamlMap[];
    expect(interfaces).toHaveLength(2);
    expect(interfaces[1]).toMatchObject({ mtu: 1500, dhcp: true });
  });

  it("appends an interface whose selector differs, and never merges `physical` selectors (a Go *bool compares by pointer)", () => {
    const twice = "machine:\n  network:\n    interfaces:\n      - deviceSelector: {physical: true}\n        mtu: 1400\n";
    const out = main(patch(twice, twice));
    expect(get(out, "machine.network.interfaces")).toHaveLength(4);
  });

  it("merges vlans by vlanId inside a merged interface", () => {
    const out = main(patch("machine:\n  network:\n    interfaces:\n      - interface: eth0\n        vlans:\n          - vlanId: 10\n            mtu: 1300\n          - vlanId: 20\n"));
    const eth0 = (get(out, "machine.network.interfaces") as YamlMap[])[0];
    // Vlan.routes has no omitempty in Talos, so a new vlan is written with `routes: []`
    expect(eth0.vlans).toEqual([
      { vlanId: 10, mtu: 1300, routes: [] },
      { routes: [], vlanId: 20 },
    ]);
  });

  it("merges ExtensionServiceConfig configFiles by mountPath and replaces NetworkRuleConfig ingress", () => {
    const ext = "apiVersion: v1alpha1\nkind: ExtensionServiceConfig\nname: tailscale\nconfigFiles:\n  - content: a\n    mountPath: /etc/a\n";
    const ext2 = "apiVersion: v1alpha1\nkind: ExtensionServiceConfig\nname: tailscale\nconfigFiles:\n  - content: b\n    mountPath: /etc/a\n  - content: c\n    mountPath: /etc/c\n";
    const rule = "apiVersion: v1alpha1\nkind: NetworkRuleConfig\nname: r\nportSelector:\n  ports: [6443]\n  protocol: tcp\ningress:\n  - subnet: 10.0.0.0/8\n";
    const rule2 = "apiVersion: v1alpha1\nkind: NetworkRuleConfig\nname: r\nportSelector:\n  ports: [50000]\ningress:\n  - subnet: 192.168.0.0/16\n";
    const docs = patch(ext, ext2, rule, rule2);
    expect(docs.find((d) => d.kind === "ExtensionServiceConfig")?.configFiles).toEqual([
      { content: "b", mountPath: "/etc/a" },
      { content: "c", mountPath: "/etc/c" },
    ]);
    const merged = docs.find((d) => d.kind === "NetworkRuleConfig");
    expect(merged?.ingress).toEqual([{ subnet: "192.168.0.0/16" }]);
    expect(merged?.portSelector).toEqual({ ports: [50000], protocol: "tcp" });
  });

  it("refuses a patch whose shape differs from the config, naming the path", () => {
    expect(() => patch("machine:\n  certSANs: {a: 1}\n")).toThrow(/machine\.certSANs.*a map.*a list/);
  });
});

describe("strategic merge: documents", () => {
  it("matches documents by apiVersion, kind and name", () => {
    const docs = patch("apiVersion: v1alpha1\nkind: VolumeConfig\nname: EPHEMERAL\nencryption:\n  cipher: aes-xts-plain64\n");
    expect(docs).toHaveLength(3);
    expect(get(docs[1], "encryption.cipher")).toBeUndefined();
    expect(get(docs[2], "encryption.cipher")).toBe("aes-xts-plain64");
  });

  it("appends a document with a new kind/name", () => {
    const docs = patch("apiVersion: v1alpha1\nkind: VolumeConfig\nname: IMAGE-CACHE\nprovisioning:\n  maxSize: 10GiB\n");
    expect(docs.map((d) => d.name)).toEqual([undefined, "STATE", "EPHEMERAL", "IMAGE-CACHE"]);
  });

  it("a patch without apiVersion/kind targets the v1alpha1 document, and one with only kind is refused", () => {
    expect(main(patch("cluster:\n  clusterName: d\n")).cluster).toMatchObject({ clusterName: "d" });
    expect(() => loadPatch("kind: VolumeConfig\nname: STATE\n", "my patch")).toThrow(/my patch.*kind and apiVersion must both be set/);
  });

  it("writes merged fields in Talos's field order and map keys sorted", () => {
    const text = encodeConfig(patch("machine:\n  install:\n    image: img:v1\n    disk: /dev/sda\n  nodeLabels:\n    b: x\n    a10: w\n    a9: z\n"));
    expect(text).toContain("    install:\n        disk: /dev/sda\n        image: img:v1\n        wipe: false\n");
    expect(text).toContain("    nodeLabels:\n        a9: z\n        a10: w\n        b: x\n        zone: a\n");
  });
});

describe("strategic merge: $patch: delete", () => {
  it("deletes a whole document", () => {
    const docs = patch("apiVersion: v1alpha1\nkind: VolumeConfig\nname: STATE\n$patch: delete\n");
    expect(docs.map((d) => d.name)).toEqual([undefined, "EPHEMERAL"]);
  });

  it("refuses to delete the v1alpha1 document", () => {
    expect(() => patch("version: v1alpha1\n$patch: delete\n")).toThrow(/can't delete the root of the legacy \(v1alpha1\) document/);
  });

  it("deletes a key path and merges the rest of the patch", () => {
    const out = main(patch("machine:\n  nodeLabels:\n    $patch: delete\n  certSANs: [b.example]\n"));
    expect(get(out, "machine.nodeLabels")).toBeUndefined();
    expect(get(out, "machine.certSANs")).toEqual(["a.example", "b.example"]);
  });

  it("deletes one list element selected by its first key", () => {
    const out = main(patch("machine:\n  network:\n    interfaces:\n      - interface: eth0\n        $patch: delete\n"));
    expect(get(out, "machine.network.interfaces")).toEqual([{ deviceSelector: { hardwareAddr: "bc:24:11:00:00:01" }, mtu: 1500 }]);
  });

  it("refuses to delete an inner key of a list element", () => {
    expect(() => loadPatch("machine:\n  network:\n    interfaces:\n      - interface: eth0\n        vlans:\n          $patch: delete\n")).toThrow(
      /cannot delete an inner key in 'machine.network.interfaces.\[0\].vlans'/,
    );
  });

  it("names the path when there is nothing to delete", () => {
    expect(() => patch("machine:\n  network:\n    interfaces:\n      - interface: eth9\n        $patch: delete\n")).toThrow(
      /path 'machine.network.interfaces' in v1alpha1 config: lookup failed \(no element with interface: eth9\)/,
    );
    expect(() => patch("apiVersion: v1alpha1\nkind: VolumeConfig\nname: NOPE\n$patch: delete\n")).toThrow(/v1alpha1\/VolumeConfig\/NOPE is not in the config/);
  });
});
