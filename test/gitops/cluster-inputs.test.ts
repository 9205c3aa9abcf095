import { describe, expect, it } from "vitest";
import { clusterSpecFor, imageFor, nodeSpecFor } from "../../gitops/cluster-inputs";
import { exampleConfig } from "./sandbox";

describe("clusterSpecFor", () => {
  it("maps the example stack: SecureBoot installer of the schematic, TPM encryption, network and patches", () => {
    const config = exampleConfig();
    const spec = clusterSpecFor(config);
    const image = imageFor(config);
    expect(image.schematicId).toMatch(/^[0-9a-f]{64}$/);
    expect(spec.installerImage).toBe(`factory.talos.dev/nocloud-installer-secureboot/${image.schematicId}:v1.14.1`);
    expect(spec.diskEncryption).toBe("tpm");
    expect(spec.clusterName).toBe("homelab");
    expect(spec.contract.name).toBe("v1.14");
    expect(spec.kubernetesVersion).toBe("1.37.0");
    expect(spec.vip).toBe("192.168.10.10");
    expect(spec.endpoint).toBe("https://192.168.10.10:6443");
    expect(spec.certSANs).toEqual(["k8s.homelab.example.net"]);
    expect(spec.nameservers).toEqual(["192.168.10.1", "1.1.1.1"]);
    expect(spec.installDisk).toBe("/dev/sda");
    expect(spec.patches).toHaveLength(1);
    expect(spec.patches[0]).toContain("time.cloudflare.com");
    expect(spec.rolePatches).toEqual({ controlplane: [], worker: [] });
  });

  it("uses the plain installer and the nodeID key when SecureBoot and the TPM are off", () => {
    const config = exampleConfig((c) => {
      c["talos-homelab:security"] = { secureBoot: false, tpmDiskEncryption: false };
    });
    const spec = clusterSpecFor(config);
    expect(spec.installerImage).toMatch(/^factory\.talos\.dev\/nocloud-installer\/[0-9a-f]{64}:v1\.14\.1$/);
    expect(spec.diskEncryption).toBe("nodeid");
    expect(imageFor(config).isoUrl).not.toContain("secureboot");
  });
});

describe("imageFor", () => {
  it("names the ISO after the version, the schematic and the SecureBoot flavour", () => {
    const config = exampleConfig();
    const image = imageFor(config);
    expect(image.isoFileName).toBe(`talos-v1.14.1-${image.schematicId.slice(0, 12)}-nocloud-amd64-secureboot.iso`);
    expect(image.isoUrl).toContain(image.schematicId);
    expect(image.isoUrl).toContain("v1.14.1");
    expect(image.isoUrl).toMatch(/nocloud-amd64-secureboot\.iso$/);
  });

  it("changes the schematic (and so the file name) when the extensions change", () => {
    const base = imageFor(exampleConfig());
    const more = imageFor(
      exampleConfig((c) => {
        (c["talos-homelab:image"] as { extensions: string[] }).extensions.push("siderolabs/intel-ucode");
      }),
    );
    expect(more.schematicId).not.toBe(base.schematicId);
    expect(more.isoFileName).not.toBe(base.isoFileName);
  });
});

describe("nodeSpecFor", () => {
  it("maps address, gateway, role, lower-case MAC and the node's own patches", () => {
    const config = exampleConfig();
    const worker2 = config.nodes.find((n) => n.name === "worker-2");
    expect(worker2).toBeDefined();
    const spec = nodeSpecFor(config, worker2!);
    expect(spec).toMatchObject({ name: "worker-2", role: "worker", address: "192.168.10.22/24", gateway: "192.168.10.1", mac: "bc:24:11:10:00:22" });
    expect(spec.patches).toHaveLength(1);
    expect(spec.patches[0]).toContain("homelab.example.net/storage");
    expect(nodeSpecFor(config, config.nodes[0]).patches).toEqual([]);
  });

  it("refuses a node of another config", () => {
    const config = exampleConfig();
    expect(() => nodeSpecFor(config, { ...config.nodes[0], name: "stranger" })).toThrow(/stranger/);
  });
});
