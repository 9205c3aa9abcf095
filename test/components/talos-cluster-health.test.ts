import { describe, expect, it } from "vitest";
import {
  type HealthProbes,
  clusterHealthInputs,
  createClusterHealth,
  diffClusterHealth,
  healthFailures,
} from "../../components/dynamic/cluster-health-logic";
import { clusterHealthProvider } from "../../components/dynamic/cluster-health-provider";
import { type KubeNodeStatus, nodeStatuses, parseKubeconfig } from "../../components/dynamic/kube-client";

const inputs = clusterHealthInputs({
  controlPlanes: [
    { name: "cp-1", address: "10.0.0.11" },
    { name: "cp-2", address: "10.0.0.12" },
  ],
  workers: [{ name: "w-1", address: "10.0.0.21" }],
  talosconfig: "t",
  kubeconfig: "k",
  timeoutSeconds: 60,
  pollSeconds: 10,
});

const ready = (name: string): KubeNodeStatus => ({ name, ready: true, detail: "KubeletReady" });

function probes(state: { members: Record<string, string[]>; nodes: KubeNodeStatus[]; readyz: number }): HealthProbes {
  return {
    etcdMemberNames: async (node) => {
      const members = state.members[node.name];
      if (members === undefined) throw new Error("connection refused");
      return members;
    },
    kubernetesNodes: async () => state.nodes,
    readyz: async () => ({ status: state.readyz, body: state.readyz === 200 ? "ok" : "[-]etcd failed: reason withheld\nreadyz check failed" }),
  };
}

function fakeClock() {
  let now = 0;
  return { now: () => now, sleep: async (ms: number) => void (now += ms) };
}

describe("TalosClusterHealth", () => {
  it("passes when etcd matches the control planes, every node is Ready and /readyz answers", async () => {
    const healthy = probes({
      members: { "cp-1": ["cp-1", "cp-2"], "cp-2": ["cp-2", "cp-1"] },
      nodes: [ready("cp-1"), ready("cp-2"), ready("w-1")],
      readyz: 200,
    });
    expect(await healthFailures(inputs, healthy)).toEqual([]);
    const log: string[] = [];
    const result = await createClusterHealth(inputs, healthy, fakeClock(), (m) => log.push(m));
    expect(result.outs.controlPlanes).toHaveLength(2);
    expect(log).toEqual(["cluster healthy after 0s: etcd has 2 members, all nodes Ready, /readyz ok"]);
  });

  it("names each failing check and node", async () => {
    const failures = await healthFailures(
      inputs,
      probes({
        members: { "cp-1": ["cp-1"] },
        nodes: [ready("cp-1"), { name: "cp-2", ready: false, detail: "KubeletNotReady: container runtime network not ready" }],
        readyz: 500,
      }),
    );
    expect(failures).toEqual([
      "etcd on cp-1 (10.0.0.11): members [cp-1] do not match the control planes [cp-1, cp-2] (missing [cp-2])",
      "etcd on cp-2 (10.0.0.12): member list failed: connection refused",
      "kubernetes node cp-2 (10.0.0.12): not Ready (KubeletNotReady: container runtime network not ready)",
      "kubernetes node w-1 (10.0.0.21): not registered yet",
      "kubernetes API /readyz: HTTP 500: [-]etcd failed: reason withheld\nreadyz check failed",
    ]);
  });

  it("keeps polling with progress messages and succeeds once the cluster converges", async () => {
    const state = { members: { "cp-1": ["cp-1"], "cp-2": ["cp-1", "cp-2"] } as Record<string, string[]>, nodes: [] as KubeNodeStatus[], readyz: 503 };
    const clock = fakeClock();
    const log: string[] = [];
    const live = probes(state);
    const converging: HealthProbes = {
      ...live,
      readyz: async () => {
        if (clock.now() >= 20_000) {
          state.members["cp-1"] = ["cp-1", "cp-2"];
          state.nodes = [ready("cp-1"), ready("cp-2"), ready("w-1")];
          state.readyz = 200;
        }
        return live.readyz();
      },
    };
    await createClusterHealth(inputs, converging, clock, (m) => log.push(m));
    expect(log.slice(0, 2).map((m) => m.replace(/:.*/, ""))).toEqual(["waiting for the cluster (0s, round 1)", "waiting for the cluster (10s, round 2)"]);
    expect(log.at(-1)).toMatch(/^cluster healthy after 30s/);
  });

  it("passes while a removed control plane is still an etcd member (its TalosNodeMembership delete, which Pulumi runs after this update, takes it out)", async () => {
    const removing = probes({
      members: { "cp-1": ["cp-1", "cp-2", "cp-3"], "cp-2": ["cp-3", "cp-1", "cp-2"] },
      nodes: [ready("cp-1"), ready("cp-2"), ready("w-1")],
      readyz: 200,
    });
    expect(await healthFailures(inputs, removing)).toEqual([]);
  });

  it("times out with every failing check listed", async () => {
    const stuck = probes({ members: { "cp-1": ["cp-1", "cp-2"], "cp-2": ["cp-1", "cp-2"] }, nodes: [ready("cp-1"), ready("cp-2")], readyz: 200 });
    await expect(createClusterHealth(inputs, stuck, fakeClock(), () => undefined)).rejects.toThrow(
      "TalosClusterHealth: the cluster is not healthy after 60s; failing checks:\n  - kubernetes node w-1 (10.0.0.21): not registered yet",
    );
  });

  it("waits again only when the nodes change, not for renewed credentials or other timeouts", async () => {
    const outs = { controlPlanes: inputs.controlPlanes, workers: inputs.workers, healthyAt: "x" };
    expect(diffClusterHealth(outs, inputs).changes).toBe(false);
    expect(diffClusterHealth(outs, { ...inputs, workers: [] }).changes).toBe(true);
    const news = { ...inputs, talosconfig: "renewed", kubeconfig: "renewed", timeoutSeconds: 120, pollSeconds: 5 };
    expect((await clusterHealthProvider.diff?.("id", outs, news))?.changes).toBe(false);
  });

  it("reads Ready conditions from /api/v1/nodes and credentials from the admin kubeconfig", () => {
    const body = JSON.stringify({
      items: [
        { metadata: { name: "cp-1" }, status: { conditions: [{ type: "Ready", status: "True", reason: "KubeletReady" }] } },
        { metadata: { name: "w-1" }, status: { conditions: [{ type: "Ready", status: "False", reason: "KubeletNotReady", message: "cni" }] } },
        { metadata: { name: "w-2" }, status: {} },
      ],
    });
    expect(nodeStatuses(body)).toEqual([
      { name: "cp-1", ready: true, detail: "KubeletReady" },
      { name: "w-1", ready: false, detail: "KubeletNotReady: cni" },
      { name: "w-2", ready: false, detail: "no Ready condition yet" },
    ]);
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const kubeconfig = [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      `  - name: lab\n    cluster:\n      server: https://10.0.0.10:6443\n      certificate-authority-data: ${b64("CA")}`,
      `users:\n  - name: admin@lab\n    user:\n      client-certificate-data: ${b64("CRT")}\n      client-key-data: ${b64("KEY")}`,
      "contexts:\n  - name: admin@lab\n    context:\n      cluster: lab\n      user: admin@lab",
      "current-context: admin@lab",
    ].join("\n");
    expect(parseKubeconfig(kubeconfig)).toEqual({ server: "https://10.0.0.10:6443", ca: "CA", crt: "CRT", key: "KEY" });
  });
});
