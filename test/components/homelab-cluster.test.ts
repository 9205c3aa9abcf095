import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { decryptText, readRecipients } from "../../sops";
import { dynamicMock, fixture, stackConfig } from "./homelab-fixture";
import { isSecretWrapped, runProgram, unwrapSecrets, type ProgramRun, type RecordedResource } from "./pulumi-harness";

const VM = "proxmoxve:index/vmLegacy:VmLegacy";
const ISO = "proxmoxve:download/file:File";
const dyn = (t: string) => `pulumi-nodejs:dynamic/talos-homelab:${t}`;
const NODES = ["cp-1", "cp-2", "cp-3", "worker-1", "worker-2"];

async function run(mutate?: Parameters<typeof stackConfig>[0]): Promise<ProgramRun> {
  const { config, secretKeys } = await stackConfig(mutate);
  return runProgram(config, secretKeys, { dynamic: dynamicMock() });
}

/** Every string in a resource's inputs that is not inside a Pulumi secret wrapper. */
function plainStrings(value: unknown, out: string[] = []): string[] {
  if (isSecretWrapped(value)) return out;
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => plainStrings(v, out));
  else if (typeof value === "object" && value !== null) Object.values(value).forEach((v) => plainStrings(v, out));
  return out;
}

const vmNamed = (r: ProgramRun, name: string) => r.byType(VM).find((v) => v.name === name) as RecordedResource;
const names = (r: ProgramRun) => r.resources.map((x) => `${x.type}::${x.name}`).sort();
const inputs = (r: RecordedResource) => r.inputs as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("HomelabCluster under mocks (index.ts with Pulumi.homelab.yaml)", () => {
  // One run of the example stack that every test reads, so each test also runs on its own (`-t`, any order).
  let base: ProgramRun;
  beforeAll(async () => {
    base = await run();
  }, 120_000);

  it("builds the resource graph", () => {
    const count = (type: string) => base.byType(type).length;
    expect(count("pulumi:providers:proxmoxve")).toBe(1);
    expect(count(ISO)).toBe(1);
    expect(count(VM)).toBe(5);
    expect(count(dyn("TalosMachineSecrets"))).toBe(1);
    expect(count(dyn("TalosConfigApply"))).toBe(5);
    expect(count(dyn("TalosBootstrap"))).toBe(1);
    expect(count(dyn("TalosClusterHealth"))).toBe(1);
    expect(count(dyn("AdminKubeconfig"))).toBe(1);
    expect(count(dyn("AdminTalosconfig"))).toBe(1);
    expect(count(dyn("EncryptedGitopsTree"))).toBe(1);
    expect(count("pulumi:providers:kubernetes")).toBe(1);
    expect(base.byType(VM).map((v) => v.name).sort()).toEqual(NODES.map((n) => `homelab-${n}`).sort());
  });

  it("downloads the SecureBoot ISO of the schematic once per Proxmox node", () => {
    const iso = inputs(base.byType(ISO)[0] as RecordedResource);
    expect(iso).toMatchObject({ nodeName: "pve1", datastoreId: "local", contentType: "iso", overwrite: false });
    expect(iso.url).toMatch(/^https:\/\/factory\.talos\.dev\/image\/[0-9a-f]{64}\/v1\.14\.1\/nocloud-amd64-secureboot\.iso$/);
    expect(iso.fileName).toMatch(/^talos-v1\.14\.1-[0-9a-f]{12}-nocloud-amd64-secureboot\.iso$/);
    expect(base.outputs.isoUrl).toBe(iso.url);
  });

  it("gives every VM UEFI, a 4m EFI disk without pre-enrolled keys, TPM 2.0 and the right hardware", () => {
    for (const vm of base.byType(VM)) {
      const i = inputs(vm);
      expect(i).toMatchObject({ machine: "q35", bios: "ovmf", scsiHardware: "virtio-scsi-pci", stopOnDestroy: true, onBoot: true });
      expect(i.efiDisk).toEqual({ datastoreId: "local-lvm", fileFormat: "raw", type: "4m", preEnrolledKeys: false });
      expect(i.tpmState).toEqual({ datastoreId: "local-lvm", version: "v2.0" });
      expect(i.cpu).toMatchObject({ type: "host", sockets: 1 });
      expect(i.memory.floating).toBe(0);
      expect(i.disks).toEqual([expect.objectContaining({ interface: "scsi0", datastoreId: "local-lvm", fileFormat: "raw", iothread: true, discard: "on", ssd: true })]);
      expect(i.cdrom).toEqual({ fileId: expect.stringMatching(/^local:iso\/talos-v1\.14\.1-.*-secureboot\.iso$/), interface: "ide0" });
      expect(i.networkDevices).toEqual([expect.objectContaining({ bridge: "vmbr0", model: "virtio", macAddress: expect.stringMatching(/^BC:24:11:10:00:\d\d$/) })]);
      expect(i.networkDevices[0].vlanId).toBeUndefined();
      expect(i.agent).toMatchObject({ enabled: true, type: "virtio" });
      expect(i.serialDevices).toEqual([{ device: "socket" }]);
      expect(i.tags).toEqual([...i.tags].sort());
      expect(i.initialization).toMatchObject({ type: "nocloud", datastoreId: "local-lvm", interface: "ide2" });
      expect(Object.keys(i.initialization).sort()).toEqual(["datastoreId", "dns", "interface", "ipConfigs", "type"]);
      expect(vm.ignoreChanges).toContain("cdrom.fileId");
    }
    const cp1 = inputs(vmNamed(base, "homelab-cp-1"));
    expect(cp1).toMatchObject({ vmId: 1101, nodeName: "pve1", name: "cp-1" });
    expect(cp1.cpu.cores).toBe(4);
    expect(cp1.memory.dedicated).toBe(8192);
    expect(cp1.disks[0].size).toBe(64);
    expect(cp1.initialization.ipConfigs).toEqual([{ ipv4: { address: "192.168.10.11/24", gateway: "192.168.10.1" } }]);
    expect(cp1.initialization.dns).toEqual({ servers: ["192.168.10.1", "1.1.1.1"] });
  });

  it("protects control-plane VMs only, and the machine secrets", () => {
    for (const vm of base.byType(VM)) expect(vm.protect).toBe(vm.name.includes("-cp-"));
    expect(base.byName("homelab-machine-secrets").protect).toBe(true);
  });

  it("keeps a replaced ISO on Proxmox (the VMs still reference it)", () => {
    expect(base.byType(ISO)[0]?.retainOnDelete).toBe(true);
  });

  it("orders apply after VM, bootstrap after the first control plane, health after bootstrap, Kubernetes after health", () => {
    for (const node of NODES) {
      const apply = base.byName(`homelab-${node}-config`);
      expect(apply.dependsOn).toContain(`homelab-${node}`);
      expect(apply.order).toBeGreaterThan(vmNamed(base, `homelab-${node}`).order);
    }
    const bootstrap = base.byName("homelab-bootstrap");
    expect(bootstrap.dependsOn).toContain("homelab-cp-1-config");
    expect(bootstrap.dependsOn.filter((d) => d.endsWith("-config"))).toEqual(["homelab-cp-1-config"]);
    const health = base.byName("homelab-health");
    expect(health.dependsOn).toContain("homelab-bootstrap");
    expect(health.order).toBeGreaterThan(bootstrap.order);
    const k8sResources = base.resources.filter((r) => r.type.startsWith("kubernetes:") || r.type === "pulumi:providers:kubernetes");
    expect(k8sResources.length).toBeGreaterThan(3);
    for (const r of k8sResources) expect(r.order).toBeGreaterThan(health.order);
    expect(base.byType("pulumi:providers:kubernetes")[0]?.dependsOn).toContain("homelab-health");
  });

  it("gives every Talos API client (applies, bootstrap, health) the AdminTalosconfig's talosconfig, as a secret", () => {
    const clients = [...base.byType(dyn("TalosConfigApply")), ...base.byType(dyn("TalosBootstrap")), ...base.byType(dyn("TalosClusterHealth"))];
    expect(clients).toHaveLength(7);
    const talosconfigs = new Set(
      clients.map((r) => {
        expect(isSecretWrapped(inputs(r).talosconfig)).toBe(true);
        return unwrapSecrets(inputs(r).talosconfig);
      }),
    );
    expect(talosconfigs.size).toBe(1);
    const [talosconfig] = [...talosconfigs] as string[];
    expect(talosconfig).toContain("context: homelab");
    expect(talosconfig).toMatch(/endpoints:\n\s+- 192\.168\.10\.11\n/);
    expect(base.byType(dyn("AdminTalosconfig")).map((r) => r.name)).toEqual(["homelab-admin-talosconfig"]);
  });

  it("holds no plaintext secret in any resource input outside a Pulumi secret", async () => {
    const f = await fixture();
    for (const r of base.resources) {
      const strings = plainStrings(r.inputs).join("\n");
      for (const secret of f.secretStrings) expect(strings.includes(secret), `${r.type} ${r.name} leaks a secret`).toBe(false);
      expect(strings, `${r.name}`).not.toMatch(/AGE-SECRET-KEY-1|PRIVATE KEY/);
      // An issued talosconfig or kubeconfig (their client keys are base64, not PEM).
      expect(strings, `${r.name}`).not.toMatch(/^contexts:|\ncontexts:|client-key-data:/);
    }
    expect(isSecretWrapped(inputs(base.byName("homelab-cp-1-config")).config)).toBe(true);
    // The VM's id ties the apply to the machine: a replaced VM gets a fresh first apply.
    expect(inputs(base.byName("homelab-cp-1-config")).machineId).toBe("1101");
  });

  it("exports SOPS-encrypted documents that decrypt with the operator identity (not the cluster's), and plain facts", async () => {
    const f = await fixture();
    const o = base.outputs as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const doc of [o.talosconfig, o.kubeconfig, o.machineSecrets, ...Object.values(o.machineConfigs)]) {
      expect(doc).toMatch(/^sops:$/m);
      expect(doc).not.toMatch(/PRIVATE KEY|AGE-SECRET-KEY/);
    }
    expect(Object.keys(o.machineConfigs).sort()).toEqual([...NODES].sort());
    // recipients by need: the talos/ outputs are the operator's to read, not the cluster identity's
    await expect(decryptText(o.talosconfig, { format: "yaml", identities: [f.identity], env: {} })).rejects.toThrow();
    const talosconfig = await decryptText(o.talosconfig, { format: "yaml", identities: [f.operatorIdentity], env: {} });
    expect(talosconfig).toContain("context: homelab");
    const secrets = await decryptText(o.machineSecrets, { format: "yaml", identities: [f.operatorIdentity], env: {} });
    expect(secrets).toBe(f.secretsYaml);
    expect(o.endpoint).toBe("https://192.168.10.10:6443");
    expect(o.nodeIps).toMatchObject({ "cp-1": "192.168.10.11", "worker-2": "192.168.10.22" });
    expect(o.vmIds).toMatchObject({ "cp-1": 1101, "worker-2": 1112 });
    expect(o.schematicId).toMatch(/^[0-9a-f]{64}$/);
  });

  it("adding a sixth node adds exactly one VM, its upgrade, apply and membership, and renames nothing", async () => {
    const bigger = await run((c) => {
      c["talos-homelab:nodes"].push({ name: "worker-3", role: "worker", proxmoxNode: "pve1", vmId: 1113, ip: "192.168.10.23/24", cores: 2, memory: 4096, diskSize: 64 });
    });
    const before = names(base);
    const after = names(bigger);
    expect(after.filter((n) => !before.includes(n))).toEqual(
      [
        `${dyn("TalosConfigApply")}::homelab-worker-3-config`,
        `${dyn("TalosNodeMembership")}::homelab-worker-3-membership`,
        `${dyn("TalosNodeUpgrade")}::homelab-worker-3-upgrade`,
        `${VM}::homelab-worker-3`,
        "talos-homelab:index:TalosNode::homelab-worker-3",
      ].sort(),
    );
    expect(before.filter((n) => !after.includes(n))).toEqual([]);
  }, 120_000);

  it("a worker-only change touches only that worker's VM inputs", async () => {
    const changed = await run((c) => {
      (c["talos-homelab:nodes"][3] as Record<string, unknown>).memory = 32768;
    });
    expect(names(changed)).toEqual(names(base));
    for (const vm of changed.byType(VM)) {
      const before = inputs(vmNamed(base, vm.name));
      if (vm.name === "homelab-worker-1") expect(inputs(vm).memory.dedicated).toBe(32768);
      else expect(inputs(vm)).toEqual(before);
    }
  }, 120_000);

  it("SecureBoot and TPM off: plain ISO, no TPM state, nodeID disk key", async () => {
    const r = await run((c) => {
      c["talos-homelab:security"] = { secureBoot: false, tpmDiskEncryption: false };
    });
    expect(inputs(r.byType(ISO)[0] as RecordedResource).url).toMatch(/\/nocloud-amd64\.iso$/);
    for (const vm of r.byType(VM)) {
      expect(inputs(vm).tpmState).toBeUndefined();
      expect(inputs(vm).efiDisk).toMatchObject({ type: "4m", preEnrolledKeys: false });
    }
    const f = await fixture();
    const cfg = await decryptText((r.outputs.machineConfigs as Record<string, string>)["cp-1"] as string, { format: "yaml", identities: [f.operatorIdentity], env: {} });
    expect(cfg).toContain("nodeID: {}");
    expect(cfg).toContain("factory.talos.dev/nocloud-installer/");
  }, 120_000);

  it("two Proxmox nodes: one ISO per node, each VM boots its own node's ISO", async () => {
    const r = await run((c) => {
      for (const i of [1, 4]) (c["talos-homelab:nodes"][i] as Record<string, unknown>).proxmoxNode = "pve2";
    });
    expect(r.byType(ISO).map((x) => inputs(x).nodeName).sort()).toEqual(["pve1", "pve2"]);
    for (const vm of r.byType(VM)) {
      expect(inputs(vm).cdrom.fileId).toMatch(/^local:iso\//);
      expect(inputs(vm).nodeName).toBe(vm.name === "homelab-cp-2" || vm.name === "homelab-worker-2" ? "pve2" : "pve1");
    }
  }, 120_000);

  it("pulumi preview of a new stack (no dynamic output known yet) builds the same graph", async () => {
    const { config, secretKeys } = await stackConfig();
    const preview = await runProgram(config, secretKeys, { preview: true, dynamic: async () => ({}) });
    expect(names(preview)).toEqual(names(base));
  }, 120_000);

  it("pulumi preview of a talosconfig renewal: the machine configs stay known, only the talosconfig is not", async () => {
    const { config, secretKeys } = await stackConfig();
    const preview = await runProgram(config, secretKeys, { preview: true, dynamic: dynamicMock({ AdminTalosconfig: async () => ({}), EncryptedGitopsTree: async () => ({}) }) });
    const applies = preview.byType(dyn("TalosConfigApply"));
    expect(applies).toHaveLength(5);
    for (const apply of applies) {
      expect(JSON.stringify(inputs(apply).config)).toContain("machine:");
      expect(JSON.stringify(inputs(apply).talosconfig ?? "unknown")).not.toContain("context:");
    }
  }, 120_000);

  it("pulumi preview after a partial up (kubeconfig issued, health not yet passed): the Kubernetes provider's kubeconfig is unknown", async () => {
    const { config, secretKeys } = await stackConfig();
    const kubeconfigOf = (r: ProgramRun) => unwrapSecrets(inputs(r.byType("pulumi:providers:kubernetes")[0] as RecordedResource).kubeconfig);
    // AdminKubeconfig is in the state (known), TalosClusterHealth is not: its healthyAt is unknown in this preview.
    const partial = await runProgram(config, secretKeys, { preview: true, dynamic: dynamicMock({ TalosClusterHealth: async () => ({}) }) });
    expect(JSON.stringify(unwrapSecrets(inputs(partial.byType(dyn("TalosClusterHealth"))[0] as RecordedResource).kubeconfig))).toContain("client-certificate-data");
    expect(typeof kubeconfigOf(partial)).not.toBe("string"); // unknown (absent or the SDK's unknown marker)
    expect(JSON.stringify(kubeconfigOf(partial) ?? null)).not.toContain("client-certificate-data");
    // Once the health check has passed (in this run or an earlier one), the provider gets the kubeconfig.
    const healthy = await runProgram(config, secretKeys, { preview: true, dynamic: dynamicMock() });
    expect(String(kubeconfigOf(healthy))).toContain("client-certificate-data");
  }, 120_000);

  it("refuses a missing or malformed cluster identity before any resource is created", async () => {
    const missing = await stackConfig((c) => delete c["talos-homelab:clusterAgeIdentity"]);
    const seen: string[] = [];
    const fail = (config: Record<string, unknown>, keys: string[]) =>
      runProgram(config, keys, { dynamic: async (type) => (seen.push(type), {}) }).then(
        (run) => ({ error: undefined as Error | undefined, count: run.resources.length }),
        (error: Error) => ({ error, count: 0 }),
      );
    const noIdentity = await fail(missing.config, missing.secretKeys);
    expect(noIdentity.error?.message).toMatch(/talos-homelab:clusterAgeIdentity: is not set.*pulumi config set --secret talos-homelab:clusterAgeIdentity/);
    const bad = await stackConfig((c) => (c["talos-homelab:clusterAgeIdentity"] = "age1notanidentityatallbutarecipient"));
    const badIdentity = await fail(bad.config, bad.secretKeys);
    expect(badIdentity.error?.message).toMatch(/is an age recipient \(public key\), not an identity/);
    expect(badIdentity.error?.message).not.toContain("age1notanidentity");
    expect(seen).toEqual([]);
  }, 120_000);

  it("refuses a stack without an operator recipient before any resource is created, naming the fix and the opt-out", async () => {
    const home = mkdtempSync(join(tmpdir(), "homelab-no-operator-"));
    vi.stubEnv("HOME", home);
    vi.stubEnv("XDG_CONFIG_HOME", join(home, ".config"));
    vi.stubEnv("SOPS_AGE_RECIPIENTS", "");
    try {
      const none = await stackConfig((c) => (c["talos-homelab:ageRecipients"] = []));
      const seen: string[] = [];
      const error = await runProgram(none.config, none.secretKeys, { dynamic: async (type) => (seen.push(type), {}) }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toMatch(/pulumi up: no operator recipient: talos-homelab:ageRecipients is empty.*talos-homelab age keygen.*allowClusterIdentityOnly: true/);
      expect(seen).toEqual([]);
      // the opt-out: every output to the cluster identity alone
      const optedOut = await stackConfig((c) => {
        c["talos-homelab:ageRecipients"] = [];
        c["talos-homelab:allowClusterIdentityOnly"] = true;
      });
      const run = await runProgram(optedOut.config, optedOut.secretKeys, { dynamic: dynamicMock() });
      const f = await fixture();
      expect(readRecipients(run.outputs.machineSecrets as string, "yaml")).toEqual([f.recipient]);
    } finally {
      vi.unstubAllEnvs();
      rmSync(home, { recursive: true, force: true });
    }
  }, 120_000);

  it("refuses ageRecipients naming only the cluster identity's recipient (pinned by render) before any resource is created", async () => {
    const f = await fixture();
    const only = await stackConfig((c) => {
      c["talos-homelab:ageRecipients"] = [f.recipient];
      c["talos-homelab:clusterAgeRecipient"] = f.recipient;
    });
    const seen: string[] = [];
    const error = await runProgram(only.config, only.secretKeys, { dynamic: async (type) => (seen.push(type), {}) }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/no operator recipient: the only recipient from config ageRecipients is the cluster identity's own/);
    expect(seen).toEqual([]);
  }, 120_000);

  it("a VLAN tags every NIC", async () => {
    const r = await run((c) => {
      (c["talos-homelab:network"] as Record<string, unknown>).vlan = 20;
    });
    for (const vm of r.byType(VM)) expect(inputs(vm).networkDevices[0].vlanId).toBe(20);
  }, 120_000);
});
