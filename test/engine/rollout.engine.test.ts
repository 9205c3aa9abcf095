import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { generateAgeIdentity } from "../../sops/age-identities";
import { compatTool } from "./e2e/compat-tools";
import { E2E_NODES, E2E_SUBNET, E2E_VIP, type E2eNode, FakeCluster } from "./e2e/fake-cluster";
import { LoopbackNetns } from "./e2e/netns";
import { type PulumiResult, runPulumi, tail } from "./e2e/pulumi-run";
import { type Sandbox, sandbox } from "./engine-harness";

// Day-2 through the real engine: `pulumi up` stands a 3+2 cluster of fake apids up at Talos v1.11.4 (etcd shared by
// the node processes, a one-second reboot window after an Upgrade), then a talosVersion bump rolls the upgrade node by
// node through TalosNodeUpgrade, a two-minor kubernetesVersion jump is refused in preview, and removing a worker
// drains, resets and deletes it. Same loopback namespace and fakes as e2e.engine.test.ts.

const NODES: readonly E2eNode[] = [...E2E_NODES, { name: "worker-2", role: "worker", ip: "127.0.10.22", vmId: 9112 }];
const ORDER = NODES.map((n) => n.name);

describe("day-2 roll-out through pulumi up (real engine, loopback fakes)", () => {
  const work = mkdtempSync(join(tmpdir(), "talos-homelab-rollout-"));
  const stateDir = join(work, "state");
  const stack = "rollout";
  const passphrase = randomBytes(18).toString("base64");
  let identity = "";
  let operatorRecipient = "";
  let box: Sandbox;
  let ns: LoopbackNetns;
  let cluster: FakeCluster | undefined;

  const env = (): NodeJS.ProcessEnv => ({
    ...box.env,
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PROXMOX_VE_API_TOKEN: `root@pam!e2e=${randomBytes(8).toString("hex")}`,
    TALOS_HOMELAB_AGE_IDENTITY: identity,
  });
  const pulumi = (args: string[], timeoutMs = 600_000): Promise<PulumiResult> => runPulumi(ns, box.cwd, args, env(), { timeoutMs });

  function writeStack(settings: { talosVersion: string; kubernetesVersion: string; nodes: readonly E2eNode[] }): void {
    const file = join(box.cwd, `Pulumi.${stack}.yaml`);
    const kept = existsSync(file) ? (parse(readFileSync(file, "utf8")) as Record<string, unknown>) : {};
    const config = {
      "talos-homelab:clusterName": "e2e",
      "talos-homelab:talosVersion": settings.talosVersion,
      "talos-homelab:kubernetesVersion": settings.kubernetesVersion,
      "talos-homelab:controlPlane": { vip: E2E_VIP },
      "talos-homelab:proxmox": { endpoint: "https://127.0.0.1:8006/", insecure: true },
      "talos-homelab:network": { subnet: E2E_SUBNET, gateway: "127.0.10.1", nameservers: ["127.0.10.1"] },
      "talos-homelab:nodes": settings.nodes.map((n) => ({ name: n.name, role: n.role, proxmoxNode: "pve1", vmId: n.vmId, ip: `${n.ip}/24`, cores: 2, memory: 4096, diskSize: 32 })),
      "talos-homelab:flux": { url: "https://127.0.0.1:3000/homelab-gitops.git", install: false },
      // an operator recipient (public only): `pulumi up` refuses a stack without one
      "talos-homelab:ageRecipients": [operatorRecipient],
    };
    writeFileSync(file, stringify({ ...kept, config }), { mode: 0o600 });
  }

  const etcd = () => (cluster as FakeCluster).etcdState() as { maxControlPlanesDown: number; members: { hostname: string }[]; nodes: Record<string, { upgrades: string[] | null; version: string }> };
  const methods = (node: string) => (cluster as FakeCluster).apidCalls(node).map((c) => `${c.method.replace("/machine.MachineService/", "")} ${c.code}`);

  beforeAll(async () => {
    box = sandbox();
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    identity = (await generateAgeIdentity()).identity;
    operatorRecipient = (await generateAgeIdentity()).recipient;
    ns = await LoopbackNetns.create();
  }, 900_000);

  afterAll(async () => {
    await cluster?.stop();
    ns?.close();
    rmSync(work, { recursive: true, force: true });
    for (const dir of [box?.cwd, box?.home]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("stands the cluster up at v1.11.4", async () => {
    const init = await pulumi(["stack", "init", stack, "--secrets-provider", "passphrase", "--non-interactive"]);
    expect(init.code, tail(init)).toBe(0);
    writeStack({ talosVersion: "v1.11.4", kubernetesVersion: "1.32.0", nodes: NODES });
    cluster = await FakeCluster.start(ns, compatTool("TALOS_ORACLE_V1_11"), work, NODES, {
      sharedEtcd: true,
      apidArgs: () => ["--talos-version", "v1.11.4", "--reboot-delay", "1s"],
    });
    const up = await pulumi(["up", "--yes", "--skip-preview", "--non-interactive", "-s", stack], 900_000);
    expect(up.code, tail(up)).toBe(0);
    expect(etcd().members.map((m) => m.hostname).sort()).toEqual(["cp-1", "cp-2", "cp-3"]);
    for (const node of ORDER) expect(methods(node).filter((m) => m.startsWith("Upgrade"))).toEqual([]);
  }, 900_000);

  it("a talosVersion bump upgrades one node at a time, control planes first, never two control planes down at once", async () => {
    writeStack({ talosVersion: "v1.11.5", kubernetesVersion: "1.32.0", nodes: NODES });
    const up = await pulumi(["up", "--yes", "--non-interactive", "-s", stack], 900_000);
    expect(up.code, tail(up)).toBe(0);
    const state = etcd();
    for (const node of ORDER) {
      expect(state.nodes[node]?.upgrades, node).toEqual([expect.stringMatching(/^factory\.talos\.dev\/nocloud-installer-secureboot\/[0-9a-f]{64}:v1\.11\.5$/)]);
      expect(state.nodes[node]?.version, node).toBe("v1.11.5");
    }
    expect(state.maxControlPlanesDown).toBe(1);
    const output = `${up.stdout}\n${up.stderr}`;
    const at = ORDER.map((node) => output.indexOf(`node ${node}: upgrading v1.11.4 -> v1.11.5`));
    expect(at.every((i) => i >= 0), tail(up)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // Each node's new config (install image) went in after its upgrade, over mutual TLS.
    for (const node of ORDER) expect(methods(node).slice(methods(node).indexOf("Upgrade OK"))).toContain("ApplyConfiguration OK");
  }, 900_000);

  it("a two-minor kubernetesVersion jump is refused in preview, naming field, value and path, and no node is called", async () => {
    writeStack({ talosVersion: "v1.11.5", kubernetesVersion: "1.34.1", nodes: NODES });
    // Calls that change a node (probes such as Version or EtcdMemberList change nothing).
    const changing = () => ORDER.map((n) => methods(n).filter((m) => !m.startsWith("Version") && !m.startsWith("Etcd")));
    const before = changing();
    const preview = await pulumi(["preview", "--non-interactive", "-s", stack]);
    expect(preview.code).not.toBe(0);
    expect(`${preview.stdout}${preview.stderr}`).toContain('kubernetesVersion "1.34.1" jumps 2 minor versions from 1.32.0');
    expect(`${preview.stdout}${preview.stderr}`).toContain("1.32.0 -> 1.33.x -> 1.34.1");
    expect(changing()).toEqual(before);
    const kubeChanges = (cluster as FakeCluster).kubeEvents().filter((e) => e.event === "request" && e.method !== "GET");
    expect(kubeChanges).toEqual([]);
    writeStack({ talosVersion: "v1.11.5", kubernetesVersion: "1.32.0", nodes: NODES });
  }, 600_000);

  it("removing a worker cordons and drains it, resets it gracefully and deletes its VM", async () => {
    writeStack({ talosVersion: "v1.11.5", kubernetesVersion: "1.32.0", nodes: NODES.filter((n) => n.name !== "worker-2") });
    const up = await pulumi(["up", "--yes", "--non-interactive", "-s", stack], 900_000);
    expect(up.code, tail(up)).toBe(0);
    expect(methods("worker-2")).toContain("Reset OK");
    const kube = (cluster as FakeCluster).kubeEvents().filter((e) => e.event === "request").map((e) => `${String(e.method)} ${String(e.path)}`);
    const cordon = kube.indexOf("PATCH /api/v1/nodes/worker-2");
    expect(cordon).toBeGreaterThanOrEqual(0);
    expect(kube.indexOf("DELETE /api/v1/nodes/worker-2")).toBeGreaterThan(cordon);
    const exported = await pulumi(["stack", "export", "-s", stack]);
    const urns = ((JSON.parse(exported.stdout) as { deployment: { resources?: { urn: string }[] } }).deployment.resources ?? []).map((r) => r.urn);
    expect(urns.filter((u) => u.includes("worker-2"))).toEqual([]);
    expect(urns.some((u) => u.endsWith("::e2e-worker-1-membership"))).toBe(true);
  }, 900_000);
});
