import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Daemon, type LoopbackNetns, startDaemon } from "./netns";

export interface E2eNode {
  readonly name: string;
  readonly role: "controlplane" | "worker";
  readonly ip: string;
  readonly vmId: number;
}

/** The end-to-end stack's cluster: 127.0.10.0/24, VIP .10, Talos API on each node's address at the configured port. */
export const E2E_SUBNET = "127.0.10.0/24";
export const E2E_VIP = "127.0.10.10";
export const TALOS_API_PORT = 50000;
export const KUBE_API_PORT = 6443;
export const E2E_NODES: readonly E2eNode[] = [
  { name: "cp-1", role: "controlplane", ip: "127.0.10.11", vmId: 9101 },
  { name: "cp-2", role: "controlplane", ip: "127.0.10.12", vmId: 9102 },
  { name: "cp-3", role: "controlplane", ip: "127.0.10.13", vmId: 9103 },
  { name: "worker-1", role: "worker", ip: "127.0.10.21", vmId: 9111 },
];

/** One line of a fake apid's --record file (test/compat/oracle/record_serve.go). */
export interface ApidCall {
  readonly method: string;
  readonly mode: "maintenance" | "configured";
  readonly roles: string[];
  readonly request: Record<string, unknown> | null;
  readonly code: string;
  readonly message: string;
}

const REPO_ROOT = resolve(__dirname, "../../..");
const TSX_CLI = join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs");

function jsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

/** Options of the fake apids (test/compat/oracle/README.md lists every `serve` flag). */
export interface FakeClusterOptions {
  /** etcd membership shared by the nodes (`--cluster-state <dir>/etcd --hostname <name>`): control planes join once
   *  cp-1 is bootstrapped, leave and reset; without it, each control plane reports a fixed member list. */
  readonly sharedEtcd?: boolean;
  /** More `serve` flags per node, e.g. `--reboot-delay 2s`, `--faults <file>`, `--talos-version v1.13.9`. */
  readonly apidArgs?: (node: E2eNode) => string[];
}

/**
 * Fresh nodes in maintenance mode: one `talos-oracle serve --maintenance --configure-on-apply` per node on
 * <ip>:50000 (it becomes a configured node with the applied config's Talos API CA after its first apply; workers get
 * their server certificate through --trustd-dir, as from a control plane's trustd), and the
 * Kubernetes readiness stand-in on <vip>:6443. All inside the test's loopback namespace.
 */
export class FakeCluster {
  private constructor(
    readonly dir: string,
    private readonly daemons: Daemon[],
  ) {}

  /** `nodes`: the cluster's nodes (default the end-to-end stack's); their addresses must be in 127.0.10.0/24, the VIP is E2E_VIP. */
  static async start(
    ns: LoopbackNetns,
    oracle: string,
    dir: string,
    nodes: readonly E2eNode[] = E2E_NODES,
    options: FakeClusterOptions = {},
  ): Promise<FakeCluster> {
    const controlPlanes = nodes.filter((n) => n.role === "controlplane").map((n) => n.name);
    const daemons: Daemon[] = [];
    // Where the control planes' fake "trustd" hands the Talos API CA to the workers (0700; the files are 0600).
    const trustd = join(dir, "trustd");
    mkdirSync(trustd, { recursive: true, mode: 0o700 });
    try {
      for (const node of nodes) {
        daemons.push(
          await startDaemon(ns, oracle, [
            "serve",
            "--maintenance",
            "--configure-on-apply",
            "--trustd-dir",
            trustd,
            "--listen",
            `${node.ip}:${TALOS_API_PORT}`,
            "--record",
            join(dir, `apid-${node.name}.jsonl`),
            ...(options.sharedEtcd === true
              ? ["--cluster-state", join(dir, "etcd"), "--hostname", node.name]
              : node.role === "controlplane"
                ? ["--etcd-members", controlPlanes.join(",")]
                : []),
            ...(options.apidArgs?.(node) ?? []),
          ]),
        );
      }
      daemons.push(
        await startDaemon(ns, process.execPath, [
          TSX_CLI,
          join(__dirname, "kube-standin.ts"),
          "--listen",
          `${E2E_VIP}:${KUBE_API_PORT}`,
          "--nodes",
          nodes.map((n) => n.name).join(","),
          "--apid-records",
          nodes.map((n) => join(dir, `apid-${n.name}.jsonl`)).join(","),
          "--record",
          join(dir, "kube.jsonl"),
          "--work",
          dir,
        ]),
      );
    } catch (err) {
      await Promise.all(daemons.map((d) => d.stop()));
      throw err;
    }
    return new FakeCluster(dir, daemons);
  }

  apidCalls(node: string): ApidCall[] {
    return jsonLines<ApidCall>(join(this.dir, `apid-${node}.jsonl`));
  }

  /** With sharedEtcd: the nodes' shared etcd state (cluster.json; test/compat/helpers/fake-talos-cluster.ts types it). */
  etcdState(): Record<string, unknown> {
    return JSON.parse(readFileSync(join(this.dir, "etcd", "cluster.json"), "utf8")) as Record<string, unknown>;
  }

  kubeEvents(): Record<string, unknown>[] {
    return jsonLines(join(this.dir, "kube.jsonl"));
  }

  async stop(): Promise<void> {
    await Promise.all(this.daemons.map((d) => d.stop()));
  }
}

/** Listeners on every address the cluster would answer on, counting connections (test/engine/e2e/connection-trap.ts). */
export class ConnectionTrap {
  private constructor(
    private readonly record: string,
    private readonly daemon: Daemon,
  ) {}

  static async start(ns: LoopbackNetns, dir: string): Promise<ConnectionTrap> {
    const record = join(dir, "trap.jsonl");
    const addresses = [...E2E_NODES.map((n) => `${n.ip}:${TALOS_API_PORT}`), `${E2E_VIP}:${KUBE_API_PORT}`, ...E2E_NODES.map((n) => `${n.ip}:${KUBE_API_PORT}`)];
    const daemon = await startDaemon(ns, process.execPath, [TSX_CLI, join(__dirname, "connection-trap.ts"), "--record", record, ...addresses]);
    return new ConnectionTrap(record, daemon);
  }

  connections(): Record<string, unknown>[] {
    return jsonLines(this.record);
  }

  stop(): Promise<void> {
    return this.daemon.stop();
  }
}
