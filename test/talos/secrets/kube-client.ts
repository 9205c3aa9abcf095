import { KubeConfig, type Cluster, type User } from "@kubernetes/client-node";

/** Loads a kubeconfig with the Kubernetes client's own loader (it rejects invalid entries). */
export async function loadKubeconfig(text: string): Promise<KubeConfig> {
  const kc = new KubeConfig();
  kc.loadFromString(text, { onInvalidEntry: "throw" });
  return kc;
}

export function currentCluster(kc: KubeConfig): Cluster {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error(`no cluster for current context ${kc.getCurrentContext()}`);
  return cluster;
}

export function currentUser(kc: KubeConfig): User {
  const user = kc.getCurrentUser();
  if (user === null) throw new Error(`no user for current context ${kc.getCurrentContext()}`);
  return user;
}
