import { parseTalosconfigContext } from "../../talos/api/talosconfig-context";
import { parseKubeconfig } from "./kube-client";
import type { GateClients } from "./node-gate-logic";
import { liveRolloutKube } from "./rollout-kube";
import { liveRolloutTalos } from "./rollout-talos";

/** Real Talos and Kubernetes clients from the admin talosconfig and kubeconfig. */
export function liveGateClients(credentials: { talosconfig: string; kubeconfig: string }): GateClients {
  return { talos: liveRolloutTalos(parseTalosconfigContext(credentials.talosconfig)), kube: liveRolloutKube(parseKubeconfig(credentials.kubeconfig)) };
}
