import { describe, expect, it } from "vitest";
import { validateConfig } from "../../config";
import { exampleInput, problems, withChange } from "./fixtures";

const cp = (c: { nodes: Record<string, unknown>[] }, i: number) => c.nodes[i] as Record<string, unknown>;

const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
  ["duplicate node name", withChange((c) => (cp(c, 1).name = "cp-1")), /nodes\[1\]\.name = "cp-1": duplicates nodes\[0\]\.name\. Fix: node names must be unique/],
  ["duplicate IP", withChange((c) => (cp(c, 4).ip = "192.168.10.21/24")), /nodes\[4\]\.ip = "192\.168\.10\.21\/24": duplicates nodes\[3\]\.ip/],
  ["duplicate MAC (case-insensitive)", withChange((c) => (cp(c, 2).mac = "bc:24:11:10:00:11")), /nodes\[2\]\.mac = "bc:24:11:10:00:11": duplicates nodes\[0\]\.mac/],
  ["duplicate VMID", withChange((c) => (cp(c, 3).vmId = 1101)), /nodes\[3\]\.vmId = 1101: duplicates nodes\[0\]\.vmId.*Proxmox VMID/],
  ["IP outside network.subnet", withChange((c) => (cp(c, 0).ip = "192.168.20.11")), /nodes\[0\]\.ip = "192\.168\.20\.11": is outside network\.subnet 192\.168\.10\.0\/24/],
  ["gateway outside the node's CIDR", withChange((c) => (cp(c, 3).gateway = "10.0.0.1")), /nodes\[3\]\.gateway = "10\.0\.0\.1": is outside node "worker-1"'s subnet 192\.168\.10\.21\/24/],
  ["IP equal to the gateway", withChange((c) => (cp(c, 4).ip = "192.168.10.1/24")), /nodes\[4\]\.ip = "192\.168\.10\.1\/24": equals the gateway/],
  ["IP equal to the VIP", withChange((c) => (cp(c, 1).ip = "192.168.10.10/24")), /nodes\[1\]\.ip = "192\.168\.10\.10\/24": equals the control-plane VIP/],
  ["IP is the broadcast address", withChange((c) => (cp(c, 3).ip = "192.168.10.255/24")), /nodes\[3\]\.ip = "192\.168\.10\.255\/24": is the network or broadcast address/],
  ["VIP outside the control-plane subnet", withChange((c) => ((c.controlPlane as Record<string, unknown>).vip = "192.168.99.10")), /controlPlane\.vip = "192\.168\.99\.10": is outside control plane "cp-1"'s subnet/],
  ["zero control planes", withChange((c) => c.nodes.forEach((n) => (n.role = "worker"))), /nodes: has no node with role controlplane\. Fix: add at least one node/],
  ["control-plane memory below 2 GiB", withChange((c) => (cp(c, 0).memory = 1024)), /nodes\[0\]\.memory = 1024: is below the Talos minimum for a controlplane \(2048 MiB\)\. Fix: set memory to at least 2048/],
  ["control-plane cores below 2", withChange((c) => (cp(c, 2).cores = 1)), /nodes\[2\]\.cores = 1: is below the Talos minimum for a controlplane \(2\)/],
  ["worker memory below 1 GiB", withChange((c) => (cp(c, 3).memory = 512)), /nodes\[3\]\.memory = 512: is below the Talos minimum for a worker \(1024 MiB\)/],
  ["worker with zero cores", withChange((c) => (cp(c, 4).cores = 0)), /nodes\[4\]\.cores = 0: is below the Talos minimum for a worker \(1\)/],
  ["unsupported Talos contract", withChange((c) => (c.talosVersion = "v1.9.3")), /talosVersion = "v1\.9\.3": is not a supported Talos version contract\. Fix: .*use a v1\.14\.x \(default v1\.14\.1\), v1\.13\.x or v1\.12\.x release/],
  ["malformed Talos version", withChange((c) => (c.talosVersion = "1.11")), /talosVersion = "1\.11": .*write it as v1\.<minor>\.<patch>/],
  ["malformed age recipient", withChange((c) => (c.ageRecipients = ["age1notarecipient"])), /ageRecipients\[0\] = "age1notarecipient": is not a valid age recipient/],
  ["age identity given as recipient (redacted)", withChange((c) => (c.ageRecipients = ["AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"])), /ageRecipients\[0\] = "AGE-SECRET-KEY-…\(redacted\)": is an age identity/],
  ["Git URL neither https nor ssh", withChange((c) => ((c.flux as Record<string, unknown>).url = "http://git.example.net/repo.git")), /flux\.url = "http:\/\/git\.example\.net\/repo\.git": is neither an https:\/\/ nor an ssh:\/\/ Git URL/],
  ["scp-like Git URL gets the ssh:// fix", withChange((c) => ((c.flux as Record<string, unknown>).url = "git@github.com:me/repo.git")), /Fix: write it as ssh:\/\/git@github\.com\/me\/repo\.git/],
  ["SecureBoot off with TPM encryption on", withChange((c) => (c.security = { secureBoot: false, tpmDiskEncryption: true })), /security\.secureBoot = false: is off while security\.tpmDiskEncryption is on.*Fix: turn security\.secureBoot on, or set security\.tpmDiskEncryption: false/],
  ["unknown FluxInstance owner", withChange((c) => ((c.flux as Record<string, unknown>).instanceManagedBy = "flux")), /flux\.instanceManagedBy = "flux": .*Fix: use one of "pulumi", "git"/],
  ["negative Flux wait", withChange((c) => ((c.flux as Record<string, unknown>).readyTimeoutSeconds = -1)), /flux\.readyTimeoutSeconds = -1: /],
  ["misspelled key", withChange((c) => ((cp(c, 0) as Record<string, unknown>).memroy = 4096)), /nodes\[0\]: Unrecognized key: "memroy".*Fix: remove or correct the key\(s\) "memroy"/],
  ["wrong role", withChange((c) => (cp(c, 0).role = "master")), /nodes\[0\]\.role = "master": .*Fix: use one of "controlplane", "worker"/],
  ["invalid node name", withChange((c) => (cp(c, 0).name = "CP_1")), /nodes\[0\]\.name = "CP_1": must be a DNS label/],
  ["malformed MAC", withChange((c) => (cp(c, 0).mac = "BC:24:11:10:00")), /nodes\[0\]\.mac = "BC:24:11:10:00": is not a MAC address/],
  ["multicast MAC", withChange((c) => (cp(c, 0).mac = "01:24:11:10:00:11")), /nodes\[0\]\.mac = "01:24:11:10:00:11": is a multicast MAC address/],
  ["VMID below 100", withChange((c) => (cp(c, 0).vmId = 99)), /nodes\[0\]\.vmId = 99: is outside the Proxmox VMID range/],
  ["VLAN out of range", withChange((c) => ((c.network as Record<string, unknown>).vlan = 4095)), /network\.vlan = 4095: is outside the VLAN range 1-4094/],
  ["Proxmox endpoint with API path", withChange((c) => ((c.proxmox as Record<string, unknown>).endpoint = "https://pve1:8006/api2/json")), /proxmox\.endpoint = "https:\/\/pve1:8006\/api2\/json": must not include the API path\. Fix: use https:\/\/pve1:8006\//],
  ["control-plane endpoint without port", withChange((c) => ((c.controlPlane as Record<string, unknown>).endpoint = "https://192.168.10.10")), /controlPlane\.endpoint = "https:\/\/192\.168\.10\.10": must be an https URL with an explicit port/],
  ["disk too small", withChange((c) => (cp(c, 3).diskSize = 4)), /nodes\[3\]\.diskSize = 4: is below the 10 GiB Talos needs/],
  ["IP without prefix and no subnet", withChange((c) => { (c.network as Record<string, unknown>).subnet = undefined; cp(c, 0).ip = "192.168.10.11"; }), /nodes\[0\]\.ip = "192\.168\.10\.11": has no prefix length and network\.subnet is not set/],
  ["node CIDR outside network.subnet", withChange((c) => (cp(c, 3).ip = "10.9.0.21/24")), /nodes\[3\]\.ip = "10\.9\.0\.21\/24": is outside network\.subnet 192\.168\.10\.0\/24/],
  ["Git token inside the Flux URL (redacted)", withChange((c) => ((c.flux as Record<string, unknown>).url = "https://me:ghp_secret123@github.com/me/gitops.git")), /flux\.url = "https:\/\/REDACTED:REDACTED@github\.com\/me\/gitops\.git": holds a credential in the URL \(a password\)\. Fix: .*talos-homelab:gitToken/],
  ["credentials inside the Proxmox endpoint", withChange((c) => ((c.proxmox as Record<string, unknown>).endpoint = "https://root:pw@pve1:8006/")), /proxmox\.endpoint = "https:\/\/pve1:8006\/": holds credentials in the URL/],
  ["bad Kubernetes version", withChange((c) => (c.kubernetesVersion = "latest")), /kubernetesVersion = "latest": is not a Kubernetes version/],
  ["bad extension name", withChange((c) => ((c.image as Record<string, unknown>).extensions = ["Not An Extension"])), /image\.extensions\[0\] = "Not An Extension": is not an Image Factory extension name/],
];

describe("validateConfig rejects invalid configurations with field, value and fix", () => {
  it("has at least 20 cases", () => expect(invalid.length).toBeGreaterThanOrEqual(20));
  it.each(invalid)("%s", (_name, input, expected) => {
    expect(problems(input)).toMatch(expected);
  });

  it("never repeats a credential found in a URL", () => {
    const message = problems(withChange((c) => {
      (c.flux as Record<string, unknown>).url = "http://me:ghp_secret123@github.com/me/gitops.git";
      (c.proxmox as Record<string, unknown>).endpoint = "https://root:pw-secret@pve1:8006/";
    }));
    expect(message).not.toMatch(/ghp_secret123|pw-secret/);
  });

  it("reports every problem at once", () => {
    const message = problems(withChange((c) => {
      c.talosVersion = "v1.9.0";
      (c.nodes[0] as Record<string, unknown>).memory = 100;
    }));
    expect(message).toMatch(/2 problems/);
  });
});

describe("validateConfig accepts the example stack", () => {
  it("normalizes the example", () => {
    const { config, warnings } = validateConfig(exampleInput());
    expect(warnings).toEqual([]);
    expect(config.contract.name).toBe("v1.14");
    expect(config.kubernetesVersion).toBe("1.37.0");
    expect(config.controlPlane.endpoint).toBe("https://192.168.10.10:6443");
    expect(config.nodes.map((n) => n.name)).toEqual(["cp-1", "cp-2", "cp-3", "worker-1", "worker-2"]);
    expect(config.nodes[0]?.address).toEqual({ address: "192.168.10.11", prefix: 24 });
    expect(config.nodes[0]?.gateway).toBe("192.168.10.1");
    expect(config.image.extensions).toEqual(["siderolabs/iscsi-tools", "siderolabs/qemu-guest-agent", "siderolabs/util-linux-tools"]);
    expect(config.datastores).toEqual({ vm: "local-lvm", efi: "local-lvm", tpm: "local-lvm", cloudInit: "local-lvm", iso: "local" });
    expect(config.flux).toMatchObject({ transport: "https", branch: "main", path: "clusters/homelab" });
    expect(config.nodes[4]?.patches[0]).toContain("homelab.example.net/storage");
  });

  it("an omitted section takes the same defaults as an empty one (each default is written once, inside its field)", () => {
    const omitted = validateConfig(withChange((c) => {
      for (const key of ["datastores", "image", "security", "patches"]) delete c[key];
      c.network = { subnet: "192.168.10.0/24", gateway: "192.168.10.1" };
    })).config;
    const empty = validateConfig(withChange((c) => {
      for (const key of ["datastores", "image", "security", "patches"]) c[key] = {};
      c.network = { subnet: "192.168.10.0/24", gateway: "192.168.10.1" };
    })).config;
    expect(omitted).toEqual(empty);
    expect(omitted.network).toMatchObject({ bridge: "vmbr0", nameservers: ["1.1.1.1", "9.9.9.9"] });
    expect(omitted.datastores).toMatchObject({ vm: "local-lvm", iso: "local" });
    expect(omitted.security).toEqual({ secureBoot: true, tpmDiskEncryption: true });
    expect(omitted.image).toMatchObject({ cpuType: "host", installDisk: "/dev/sda" });
  });

  it("accepts a v1.12 contract and defaults its Kubernetes version", () => {
    const { config } = validateConfig(withChange((c) => { c.talosVersion = "v1.12.0"; delete c.kubernetesVersion; }));
    expect(config.contract.minor).toBe(12);
    expect(config.kubernetesVersion).toBe("1.35.4");
  });

  it("warns, but accepts, an even number of control planes", () => {
    const { warnings } = validateConfig(withChange((c) => ((c.nodes[3] as Record<string, unknown>).role = "controlplane")));
    expect(warnings.join("\n")).toMatch(/4 control planes is an even number.*etcd quorum/);
  });

  it("warns that TPM off protects less", () => {
    const { warnings } = validateConfig(withChange((c) => (c.security = { secureBoot: false, tpmDiskEncryption: false })));
    expect(warnings.join("\n")).toMatch(/nodeID-derived key, which protects far less/);
  });

  it("takes the gateway and prefix from network defaults", () => {
    const { config } = validateConfig(withChange((c) => ((c.nodes[0] as Record<string, unknown>).ip = "192.168.10.11")));
    expect(config.nodes[0]?.address).toEqual({ address: "192.168.10.11", prefix: 24 });
  });
});
