import { createRequire } from "node:module";
import type { Cluster, Context, User } from "@kubernetes/client-node";

export interface LoadedKubeconfig {
  readonly clusters: Cluster[];
  readonly users: User[];
  readonly contexts: Context[];
  readonly currentContext: string;
}

/**
 * Does exactly what @kubernetes/client-node's KubeConfig.loadFromString does (js-yaml load, then the
 * client's own newClusters/newContexts/newUsers, which reject invalid entries). The KubeConfig class
 * itself cannot load on Node 20: client-node 2.x bundles undici 8, which needs Node >= 22.19.
 */
export async function loadKubeconfig(text: string): Promise<LoadedKubeconfig> {
  const types = await import("@kubernetes/client-node/dist/config_types.js");
  const clientRequire = createRequire(require.resolve("@kubernetes/client-node/package.json"));
  const yaml = clientRequire("js-yaml") as { load(text: string): Record<string, unknown> };
  const doc = yaml.load(text);
  const opts = { onInvalidEntry: "throw" as const };
  return {
    clusters: types.newClusters(doc.clusters, opts),
    contexts: types.newContexts(doc.contexts, opts),
    users: types.newUsers(doc.users, opts),
    currentContext: doc["current-context"] as string,
  };
}

export function currentCluster(kc: LoadedKubeconfig): Cluster {
  const context = kc.contexts.find((c) => c.name === kc.currentContext);
  const cluster = kc.clusters.find((c) => c.name === context?.cluster);
  if (cluster === undefined) throw new Error(`no cluster for current context ${kc.currentContext}`);
  return cluster;
}

export function currentUser(kc: LoadedKubeconfig): User {
  const context = kc.contexts.find((c) => c.name === kc.currentContext);
  const user = kc.users.find((u) => u.name === context?.user);
  if (user === undefined) throw new Error(`no user for current context ${kc.currentContext}`);
  return user;
}
