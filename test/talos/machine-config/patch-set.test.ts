import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { machineConfigPatches, PRIMARY_LINK_ALIAS } from "../../../talos/machine-config/patch-set";
import { BUNDLE, clusterSpec, controlPlane, worker } from "./fixtures";

type Doc = Record<string, unknown>;
const docsOf = (text: string): Doc[] => parseAllDocuments(text).map((d) => d.toJS() as Doc);
const all = (texts: string[]): Doc[] => texts.flatMap(docsOf);
const byKind = (docs: Doc[], kind: string): Doc[] => docs.filter((d) => d.kind === kind);

describe("our patch set, contract 1.11 (.machine.network)", () => {
  const cluster = clusterSpec();

  it("installs to the configured disk with the Image Factory installer, first", () => {
    const [install] = machineConfigPatches(BUNDLE, cluster, controlPlane());
    expect(docsOf(install)).toEqual([{ machine: { install: { disk: "/dev/sda", image: cluster.installerImage } } }]);
  });

  it("selects the NIC by MAC, sets address, default route, hostname, nameservers and the VIP on a control plane", () => {
    const network = docsOf(machineConfigPatches(BUNDLE, cluster, controlPlane(1))[1])[0];
    expect(network).toEqual({
      machine: {
        network: {
          hostname: "cp-1",
          interfaces: [
            {
              deviceSelector: { hardwareAddr: "bc:24:11:00:00:01" },
              addresses: ["192.168.10.11/24"],
              routes: [{ network: "0.0.0.0/0", gateway: "192.168.10.1" }],
              vip: { ip: "192.168.10.10" },
            },
          ],
          nameservers: ["1.1.1.1", "9.9.9.9"],
        },
      },
    });
  });

  it("falls back to physical: true without a MAC and never puts the VIP on a worker", () => {
    const network = docsOf(machineConfigPatches(BUNDLE, cluster, worker(1))[1])[0] as { machine: { network: { interfaces: Doc[] } } };
    expect(network.machine.network.interfaces[0].deviceSelector).toEqual({ physical: true });
    expect(network.machine.network.interfaces[0]).not.toHaveProperty("vip");
  });

  it("adds the VIP, node IP and user SANs to the Talos API, and the ones not already there to the API server", () => {
    const sans = docsOf(machineConfigPatches(BUNDLE, cluster, controlPlane(2))[2])[0];
    expect(sans).toEqual({
      machine: { certSANs: ["192.168.10.10", "192.168.10.12", "k8s.example.org"] },
      // 1.11's generator already lists the endpoint host (the VIP)
      cluster: { apiServer: { certSANs: ["192.168.10.12", "k8s.example.org"] } },
    });
    expect(docsOf(machineConfigPatches(BUNDLE, cluster, worker(1))[2])[0]).not.toHaveProperty("cluster");
  });

  it("seals STATE and EPHEMERAL to the TPM with SecureBoot checked, lockToState on EPHEMERAL only", () => {
    const volumes = byKind(all(machineConfigPatches(BUNDLE, cluster, controlPlane())), "VolumeConfig");
    expect(volumes).toEqual([
      { apiVersion: "v1alpha1", kind: "VolumeConfig", name: "STATE", encryption: { provider: "luks2", keys: [{ slot: 0, tpm: { checkSecurebootStatusOnEnroll: true } }] } },
      {
        apiVersion: "v1alpha1",
        kind: "VolumeConfig",
        name: "EPHEMERAL",
        encryption: { provider: "luks2", keys: [{ slot: 0, tpm: { checkSecurebootStatusOnEnroll: true }, lockToState: true }] },
      },
    ]);
  });

  it("uses the nodeID key when the TPM is off", () => {
    const volumes = byKind(all(machineConfigPatches(BUNDLE, clusterSpec({ diskEncryption: "nodeid" }), worker())), "VolumeConfig");
    expect(volumes.map((v) => (v.encryption as { keys: Doc[] }).keys)).toEqual([[{ slot: 0, nodeID: {} }], [{ slot: 0, nodeID: {}, lockToState: true }]]);
  });

  it("puts user patches after ours: cluster, then role, then node", () => {
    const c = clusterSpec({ patches: ["# cluster\na: 1\n"], rolePatches: { controlplane: ["# cp\nb: 1\n"], worker: ["# w\nc: 1\n"] } });
    const patches = machineConfigPatches(BUNDLE, c, controlPlane(1, { patches: ["# node\nd: 1\n"] }));
    expect(patches.slice(4)).toEqual(["# cluster\na: 1\n", "# cp\nb: 1\n", "# node\nd: 1\n"]);
  });
});

describe("our patch set, contract 1.12 (typed network documents)", () => {
  const cluster = clusterSpec({}, "v1.12.7");

  it("uses HostnameConfig, LinkAliasConfig (by MAC), LinkConfig, Layer2VIPConfig and ResolverConfig instead of .machine.network", () => {
    const docs = docsOf(machineConfigPatches(BUNDLE, cluster, controlPlane(1))[1]);
    expect(docs).toEqual([
      { apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "off", hostname: "cp-1" },
      { apiVersion: "v1alpha1", kind: "LinkAliasConfig", name: PRIMARY_LINK_ALIAS, selector: { match: 'mac(link.hardware_addr) == "bc:24:11:00:00:01"' } },
      {
        apiVersion: "v1alpha1",
        kind: "LinkConfig",
        name: PRIMARY_LINK_ALIAS,
        addresses: [{ address: "192.168.10.11/24" }],
        routes: [{ gateway: "192.168.10.1" }],
      },
      { apiVersion: "v1alpha1", kind: "Layer2VIPConfig", name: "192.168.10.10", link: PRIMARY_LINK_ALIAS },
      { apiVersion: "v1alpha1", kind: "ResolverConfig", nameservers: [{ address: "1.1.1.1" }, { address: "9.9.9.9" }] },
    ]);
  });

  it("selects a physical Ethernet link without a MAC and has no Layer2VIPConfig on workers", () => {
    const docs = docsOf(machineConfigPatches(BUNDLE, cluster, worker(1))[1]);
    expect(byKind(docs, "LinkAliasConfig")[0].selector).toEqual({ match: 'link.type == 1 && link.kind == ""' });
    expect(byKind(docs, "Layer2VIPConfig")).toEqual([]);
  });

  it("adds every SAN to the API server (1.12 no longer adds the endpoint host)", () => {
    const sans = docsOf(machineConfigPatches(BUNDLE, cluster, controlPlane(1))[2])[0] as { cluster: { apiServer: { certSANs: string[] } } };
    expect(sans.cluster.apiServer.certSANs).toEqual(["192.168.10.10", "192.168.10.11", "k8s.example.org"]);
  });
});
