/** The talosconfig and admin kubeconfig of the tree: rendered from the bundle, reused while still valid. */
import type { HomelabConfig } from "../config";
import { renderAdminKubeconfig } from "../talos/kubeconfig";
import { renewTalosconfigIfNeeded } from "../talos/talosconfig";
import type { SecretsBundle } from "../talos/types";

/** talosctl endpoints: the control planes' own addresses (the VIP is not usable for the Talos API). */
export function talosEndpoints(config: HomelabConfig): string[] {
  return config.nodes.filter((n) => n.role === "controlplane").map((n) => n.address.address);
}

export async function talosconfigFor(
  config: HomelabConfig,
  bundle: SecretsBundle,
  existing: string | undefined,
  now: Date,
): Promise<string> {
  const endpoints = talosEndpoints(config);
  return await renewTalosconfigIfNeeded(bundle, existing, { contextName: config.clusterName, endpoints, nodes: endpoints.slice(0, 1), now });
}

export async function kubeconfigFor(
  config: HomelabConfig,
  bundle: SecretsBundle,
  existing: string | undefined,
  now: Date,
): Promise<string> {
  return await renderAdminKubeconfig(bundle, {
    clusterName: config.clusterName,
    endpoint: config.controlPlane.endpoint,
    now,
    ...(existing !== undefined ? { existing } : {}),
  });
}
