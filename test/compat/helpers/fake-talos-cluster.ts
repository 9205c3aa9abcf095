import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { TalosClient } from "../../../talos/api/client";
import type { ClientTlsMaterial } from "../../../talos/api/credentials";
import { createSelfSignedCa, issueLeafCertificate, loadCa } from "../../../talos/pki/certificate-authority";
import type { CertAndKey } from "../../../talos/types";

/**
 * A fake Talos cluster on loopback: one `talos-oracle serve` process per node (Talos's generated MachineService,
 * apid's TLS and role rules), sharing etcd state through `--cluster-state` (test/compat/oracle/README.md).
 * Nodes are named cp-1.., worker-1.. and listen on <random 127.x.y>.11.. (control planes) and .21.. (workers),
 * port 50000, so clients dial them by IP as they would dial real nodes.
 */

export type FakeNodeRole = "controlplane" | "worker";

/** Faults of one node: `--fail` / `--hang` specs (Method[:after=N][:times=N][:step=S][:code=C][:message=TEXT]). */
export interface FakeNodeFaults {
  readonly fail?: readonly string[];
  readonly hang?: readonly string[];
}

export interface FakeTalosClusterOptions {
  /** Path of the talos-oracle binary (requireOracle(contract)). */
  readonly oracle: string;
  /** A fresh folder for records, the cluster state and the fault control files. */
  readonly dir: string;
  readonly controlPlanes?: number;
  readonly workers?: number;
  /** The version every node reports until upgraded (default: the oracle's machinery version). */
  readonly talosVersion?: string;
  /** How long a node is unavailable after Upgrade or Reset (default 0: back on the next call). */
  readonly rebootDelayMs?: number;
  /** How long a joining etcd member stays a learner. */
  readonly learnerForMs?: number;
  /** "bootstrapped" (default): nodes start configured and cp-1 is bootstrapped, so etcd has every control plane;
   *  "configured": configured, etcd not bootstrapped; "maintenance": fresh nodes (--maintenance --configure-on-apply). */
  readonly start?: "bootstrapped" | "configured" | "maintenance";
  /** The file every node's EtcdSnapshot streams (default: the generated db). */
  readonly etcdSnapshotFile?: string;
  /** Faults per node name, given as flags at start (use setFaults() to change them at runtime). */
  readonly faults?: Readonly<Record<string, FakeNodeFaults>>;
  /** Extra `serve` flags per node. */
  readonly extraArgs?: (node: FakeTalosNodeInfo) => string[];
}

export interface FakeTalosNodeInfo {
  readonly name: string;
  readonly role: FakeNodeRole;
  readonly ip: string;
  /** ip:50000 */
  readonly address: string;
}

/** One line of a node's --record file (test/compat/oracle/record_serve.go). */
export interface FakeApidCall {
  readonly method: string;
  readonly mode: "maintenance" | "configured";
  readonly roles: string[];
  readonly metadata: Record<string, string[]>;
  readonly request: Record<string, unknown> | null;
  readonly code: string;
  readonly message: string;
}

/** cluster.json of --cluster-state (test/compat/oracle/cluster_state_serve.go). */
export interface FakeClusterState {
  bootstrapped: boolean;
  members: { id: string; hostname: string; peerUrls: string[]; clientUrls: string[]; isLearner: boolean }[];
  leader: string;
  raftTerm: number;
  raftIndex: number;
  nodes: Record<
    string,
    {
      role: FakeNodeRole;
      configured: boolean;
      downUntil?: string;
      poweredOff: boolean;
      leftEtcd: boolean;
      version: string;
      upgrades: string[] | null;
      resets: { graceful: boolean; reboot: boolean; mode: string; partitions: string[] | null }[] | null;
    }
  >;
  recoveredFromSha256?: string;
  recoveredBy?: string;
  /** The most control planes ever down (rebooting or off) at the same time. */
  maxControlPlanesDown: number;
}

interface RunningNode extends FakeTalosNodeInfo {
  readonly process: ChildProcessWithoutNullStreams;
  readonly certFingerprint: string;
}

const TALOS_API_PORT = 50000;

export class FakeTalosCluster {
  private readonly clients: TalosClient[] = [];

  private constructor(
    readonly dir: string,
    readonly ca: CertAndKey,
    /** os:admin client certificate material (a talosconfig's context). */
    readonly admin: ClientTlsMaterial,
    private readonly running: RunningNode[],
  ) {}

  static async start(options: FakeTalosClusterOptions): Promise<FakeTalosCluster> {
    const ca = await createSelfSignedCa({ algorithm: "ed25519", organization: "talos", now: new Date(Date.now() - 60_000) });
    const admin = await issueLeafCertificate(loadCa(ca, "ca"), {
      subject: { organizations: ["os:admin"] },
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      keyUsage: ["digitalSignature"],
      extKeyUsage: ["clientAuth"],
    });
    mkdirSync(join(options.dir, "state"), { recursive: true, mode: 0o700 });
    mkdirSync(join(options.dir, "trustd"), { recursive: true, mode: 0o700 });
    writeFileSync(join(options.dir, "os-ca.crt"), ca.crt, { mode: 0o600 });
    writeFileSync(join(options.dir, "os-ca.key"), ca.key, { mode: 0o600 });

    const cluster = new FakeTalosCluster(options.dir, ca, { ca: ca.crt, ...admin }, []);
    try {
      for (const node of plannedNodes(options.controlPlanes ?? 3, options.workers ?? 2)) {
        cluster.running.push(await startNode(options, node));
      }
      if ((options.start ?? "bootstrapped") === "bootstrapped") {
        await cluster.client("cp-1").bootstrap();
      }
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  get nodes(): readonly FakeTalosNodeInfo[] {
    return this.running.map(({ name, role, ip, address }) => ({ name, role, ip, address }));
  }

  node(name: string): FakeTalosNodeInfo {
    const node = this.running.find((n) => n.name === name);
    if (node === undefined) throw new Error(`fake cluster: no node named ${name} (nodes: ${this.running.map((n) => n.name).join(", ")})`);
    return node;
  }

  /** A mutual-TLS (os:admin) client for the node, closed by stop(). */
  client(name: string, callTimeoutMs = 5_000): TalosClient {
    const client = TalosClient.configured({ endpoint: this.node(name).address, tls: this.admin, callTimeoutMs });
    this.clients.push(client);
    return client;
  }

  /** A maintenance-mode client for the node (no client certificate), closed by stop(). */
  maintenanceClient(name: string, callTimeoutMs = 5_000): TalosClient {
    const client = TalosClient.maintenance(this.node(name).address, { callTimeoutMs });
    this.clients.push(client);
    return client;
  }

  /** Every call the node received, in order. */
  calls(name: string): FakeApidCall[] {
    const file = join(this.dir, `apid-${name}.jsonl`);
    if (!existsSync(file)) return [];
    return readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as FakeApidCall);
  }

  /** The shared etcd/cluster state as the nodes last wrote it. */
  state(): FakeClusterState {
    return JSON.parse(readFileSync(join(this.dir, "state", "cluster.json"), "utf8")) as FakeClusterState;
  }

  /** Replaces the node's runtime faults (its --faults control file), written atomically; {} clears them. */
  setFaults(name: string, faults: FakeNodeFaults): void {
    this.node(name);
    const file = faultsFile(this.dir, name);
    writeFileSync(`${file}.tmp`, JSON.stringify({ fail: faults.fail ?? [], hang: faults.hang ?? [] }), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  async stop(): Promise<void> {
    for (const client of this.clients.splice(0)) client.close();
    await Promise.all(this.running.splice(0).map(stopProcess));
  }
}

function plannedNodes(controlPlanes: number, workers: number): { name: string; role: FakeNodeRole; ip: string }[] {
  // a random 127.x.y.0/24 per cluster, so parallel test files never share an address
  const base = `127.${randomInt(100, 250)}.${randomInt(1, 250)}`;
  return [
    ...Array.from({ length: controlPlanes }, (_, i) => ({ name: `cp-${i + 1}`, role: "controlplane" as const, ip: `${base}.${11 + i}` })),
    ...Array.from({ length: workers }, (_, i) => ({ name: `worker-${i + 1}`, role: "worker" as const, ip: `${base}.${21 + i}` })),
  ];
}

function faultsFile(dir: string, name: string): string {
  return join(dir, `faults-${name}.json`);
}

function nodeArgs(options: FakeTalosClusterOptions, node: FakeTalosNodeInfo): string[] {
  const start = options.start ?? "bootstrapped";
  const faults = options.faults?.[node.name] ?? {};
  return [
    "serve",
    "--listen", node.address,
    "--hostname", node.name,
    "--record", join(options.dir, `apid-${node.name}.jsonl`),
    "--cluster-state", join(options.dir, "state"),
    "--faults", faultsFile(options.dir, node.name),
    "--reboot-delay", `${options.rebootDelayMs ?? 0}ms`,
    "--etcd-learner-for", `${options.learnerForMs ?? 0}ms`,
    ...(options.talosVersion === undefined ? [] : ["--talos-version", options.talosVersion]),
    ...(options.etcdSnapshotFile === undefined ? [] : ["--etcd-snapshot", options.etcdSnapshotFile]),
    ...(start === "maintenance"
      ? ["--maintenance", "--configure-on-apply", "--trustd-dir", join(options.dir, "trustd")]
      : ["--ca-crt", join(options.dir, "os-ca.crt"), "--ca-key", join(options.dir, "os-ca.key"), "--role", node.role]),
    ...(faults.fail ?? []).flatMap((spec) => ["--fail", spec]),
    ...(faults.hang ?? []).flatMap((spec) => ["--hang", spec]),
    ...(options.extraArgs?.(node) ?? []),
  ];
}

async function startNode(options: FakeTalosClusterOptions, planned: { name: string; role: FakeNodeRole; ip: string }): Promise<RunningNode> {
  const node: FakeTalosNodeInfo = { ...planned, address: `${planned.ip}:${TALOS_API_PORT}` };
  const child = spawn(options.oracle, nodeArgs(options, node), { stdio: "pipe" });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`talos-oracle serve for ${node.name} exited with ${code}: ${stderr.trim()}`)));
  });
  const announced = JSON.parse(firstLine) as { address: string; certFingerprint: string };
  return { ...node, process: child, certFingerprint: announced.certFingerprint };
}

function stopProcess(node: RunningNode): Promise<void> {
  return new Promise((resolve) => {
    if (node.process.exitCode !== null || node.process.signalCode !== null) return resolve();
    node.process.once("exit", () => resolve());
    node.process.kill("SIGTERM");
  });
}
