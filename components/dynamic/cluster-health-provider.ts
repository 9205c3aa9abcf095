import { TalosClient } from "../../talos/api/client";
import { parseTalosconfigContext } from "../../talos/api/talosconfig-context";
import { readVolumeStatus } from "../../talos/api/volume-status";
import {
  CLUSTER_HEALTH,
  CLUSTER_HEALTH_DIFF_IGNORES,
  type ClusterHealthInputs,
  type ClusterHealthOutputs,
  type HealthClock,
  type HealthProbes,
  clusterHealthInputs,
  clusterHealthTarget,
  createClusterHealth,
  diffClusterHealth,
} from "./cluster-health-logic";
import { kubeGet, nodeStatuses, parseKubeconfig } from "./kube-client";
import { providerProgress } from "./progress";
import type { ProviderModule } from "./serializable-provider";

/** Probes over the Talos API (EtcdMemberList per control plane, VolumeStatus per node) and the Kubernetes API (client certificate). */
export function liveHealthProbes(inputs: ClusterHealthInputs): HealthProbes {
  const tls = parseTalosconfigContext(inputs.talosconfig);
  const kube = parseKubeconfig(inputs.kubeconfig);
  return {
    etcdMemberNames: async (node) => {
      const client = TalosClient.configured({ endpoint: node.address, tls, callTimeoutMs: 10_000 });
      try {
        const response = await client.etcdMemberList();
        return response.messages.flatMap((message) => message.members.map((member) => member.hostname));
      } finally {
        client.close();
      }
    },
    kubernetesNodes: async () => {
      const response = await kubeGet(kube, "/api/v1/nodes");
      if (response.status !== 200) throw new Error(`GET /api/v1/nodes: HTTP ${response.status}: ${response.body.slice(0, 200)}`);
      return nodeStatuses(response.body);
    },
    readyz: () => kubeGet(kube, "/readyz"),
    volumeStatus: async (node, id) => {
      const client = TalosClient.configured({ endpoint: node.address, tls, callTimeoutMs: 10_000 });
      try {
        return await readVolumeStatus(client, id);
      } finally {
        client.close();
      }
    },
  };
}

const realClock: HealthClock = { now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

async function runHealth(raw: Record<string, unknown>) {
  const inputs = clusterHealthInputs(raw);
  return createClusterHealth(inputs, liveHealthProbes(inputs), realClock, providerProgress(CLUSTER_HEALTH));
}

/** The TalosClusterHealth provider, loaded by path inside Pulumi's provider process. */
export const clusterHealthProvider: ProviderModule = {
  diffIgnores: CLUSTER_HEALTH_DIFF_IGNORES,
  check: async (_olds, news) => {
    clusterHealthInputs(news);
    return { inputs: news };
  },
  diff: async (_id, olds, news) => diffClusterHealth(olds as unknown as ClusterHealthOutputs, clusterHealthTarget(news)),
  create: runHealth,
  update: async (_id, _olds, news) => ({ outs: (await runHealth(news)).outs }),
  delete: async () => undefined,
};
