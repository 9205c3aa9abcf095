import { performance } from "node:perf_hooks";
import { contractFor } from "../talos/contract";
import { renderMachineConfig } from "../talos/machine-config/render";
import { generateSecretsBundle } from "../talos/secrets-bundle";
import type { ClusterSpec, NodeSpec } from "../talos/types";

function cluster(talosVersion: string): ClusterSpec {
  const contract = contractFor(talosVersion);
  return {
    contract,
    clusterName: "bench",
    kubernetesVersion: contract.defaultKubernetesVersion,
    vip: "10.20.0.2",
    endpoint: "https://10.20.0.2:6443",
    certSANs: ["k8s.example.org"],
    nameservers: ["1.1.1.1"],
    installDisk: "/dev/sda",
    installerImage: `factory.talos.dev/nocloud-installer-secureboot/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:${talosVersion}`,
    diskEncryption: "tpm",
    // the same settings in the form each Talos version takes (1.14: SysctlConfig and KubeNodeConfig documents)
    patches: [
      contract.minor >= 14
        ? "apiVersion: v1alpha1\nkind: SysctlConfig\nparams:\n  vm.max_map_count: \"262144\"\n"
        : "machine:\n  sysctls:\n    vm.max_map_count: \"262144\"\n",
    ],
    rolePatches: {
      controlplane: [],
      worker: [
        contract.minor >= 14 ? "apiVersion: v1alpha1\nkind: KubeNodeConfig\nlabels:\n  role: worker\n" : "machine:\n  nodeLabels:\n    role: worker\n",
      ],
    },
  };
}

/** 3 control planes, the rest workers, addresses 10.20.x.y/16. */
function nodes(count: number): NodeSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    name: i < 3 ? `cp-${i + 1}` : `worker-${i - 2}`,
    role: i < 3 ? ("controlplane" as const) : ("worker" as const),
    address: `10.20.${1 + Math.floor(i / 200)}.${10 + (i % 200)}/16`,
    gateway: "10.20.0.1",
    mac: `bc:24:11:00:${(i >> 8).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`,
    patches: [],
  }));
}

/** Renders every node's machine config for 3, 25 and 100 nodes with one bundle; growth should be linear. */
export async function run(): Promise<void> {
  for (const talosVersion of ["v1.11.5", "v1.12.7", "v1.13.9", "v1.14.1"]) {
    const spec = cluster(talosVersion);
    const started = performance.now();
    const bundle = await generateSecretsBundle(spec.contract);
    console.log(`${talosVersion}: secrets bundle generated in ${(performance.now() - started).toFixed(0)} ms (not counted below)`);
    renderMachineConfig(bundle, spec, nodes(1)[0]); // warm-up
    let perNode3 = 0;
    for (const count of [3, 25, 100]) {
      const list = nodes(count);
      const t0 = performance.now();
      for (const node of list) renderMachineConfig(bundle, spec, node);
      const ms = performance.now() - t0;
      if (count === 3) perNode3 = ms / count;
      const ratio = perNode3 > 0 ? (ms / count / perNode3).toFixed(2) : "-";
      console.log(`${talosVersion}: ${String(count).padStart(3)} nodes in ${ms.toFixed(1).padStart(7)} ms (${(ms / count).toFixed(2)} ms/node, x${ratio} of the 3-node per-node cost)`);
    }
  }
}
