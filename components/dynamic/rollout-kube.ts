/** The roll-out's Kubernetes calls over the API (node status, cordon, pods on a node, eviction, node delete). */
import { type KubeCredentials, type KubeResponse, kubeRequest } from "./kube-client";
import type { EvictionResult, KubeNodeInfo, KubePod, RolloutKube } from "./rollout-api";

interface NodeObject {
  metadata?: { name?: string };
  spec?: { unschedulable?: boolean };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[]; nodeInfo?: { kubeletVersion?: string } };
}

interface PodObject {
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string>; ownerReferences?: { kind?: string }[] };
  status?: { phase?: string };
}

export function kubeNodeInfo(node: NodeObject): KubeNodeInfo {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  return {
    name: node.metadata?.name ?? "",
    ready: ready?.status === "True",
    detail: ready === undefined ? "no Ready condition yet" : [ready.reason, ready.message].filter(Boolean).join(": "),
    kubeletVersion: node.status?.nodeInfo?.kubeletVersion ?? "",
    unschedulable: node.spec?.unschedulable === true,
  };
}

/** What `kubectl drain` leaves alone: DaemonSet pods, static (mirror) pods and pods that have finished. */
export function kubePod(pod: PodObject): KubePod {
  const daemonSet = (pod.metadata?.ownerReferences ?? []).some((owner) => owner.kind === "DaemonSet");
  const mirror = pod.metadata?.annotations?.["kubernetes.io/config.mirror"] !== undefined;
  const finished = pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
  return { namespace: pod.metadata?.namespace ?? "default", name: pod.metadata?.name ?? "", drainable: !daemonSet && !mirror && !finished };
}

function fail(what: string, response: KubeResponse): never {
  throw new Error(`${what}: HTTP ${response.status}: ${response.body.trim().slice(0, 300)}`);
}

const enc = encodeURIComponent;

export function liveRolloutKube(credentials: KubeCredentials): RolloutKube {
  return {
    node: async (name) => {
      const response = await kubeRequest(credentials, "GET", `/api/v1/nodes/${enc(name)}`);
      if (response.status === 404) return undefined;
      if (response.status !== 200) fail(`GET node ${name}`, response);
      return kubeNodeInfo(JSON.parse(response.body) as NodeObject);
    },
    cordon: async (name) => {
      const response = await kubeRequest(credentials, "PATCH", `/api/v1/nodes/${enc(name)}`, {
        body: { spec: { unschedulable: true } },
        contentType: "application/merge-patch+json",
      });
      if (response.status === 404) return false;
      if (response.status !== 200) fail(`cordon node ${name}`, response);
      return true;
    },
    podsOn: async (name) => {
      const response = await kubeRequest(credentials, "GET", `/api/v1/pods?fieldSelector=${enc(`spec.nodeName=${name}`)}`);
      if (response.status !== 200) fail(`list pods on ${name}`, response);
      return ((JSON.parse(response.body) as { items?: PodObject[] }).items ?? []).map(kubePod);
    },
    evict: async (pod): Promise<EvictionResult> => {
      const response = await kubeRequest(credentials, "POST", `/api/v1/namespaces/${enc(pod.namespace)}/pods/${enc(pod.name)}/eviction`, {
        body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: pod.name, namespace: pod.namespace } },
      });
      if (response.status === 200 || response.status === 201) return "evicted";
      if (response.status === 404) return "gone";
      if (response.status === 429) return "blocked";
      return fail(`evict pod ${pod.namespace}/${pod.name}`, response);
    },
    deleteNode: async (name) => {
      const response = await kubeRequest(credentials, "DELETE", `/api/v1/nodes/${enc(name)}`);
      if (response.status !== 200 && response.status !== 202 && response.status !== 404) fail(`delete node ${name}`, response);
    },
  };
}
