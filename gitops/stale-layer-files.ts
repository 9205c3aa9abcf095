/**
 * Switching `runtimeSecrets` modes must not leave the previous mode's manifests in the tree (Flux would still see
 * them in Git). Removes only files at paths some mode of the layer writes for this cluster and the current mode
 * does not: never a file the project does not own.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { RuntimeSecretsConfig } from "../config";
import { runtimeSecretsFiles, type RuntimeSecretsLayer } from "../kubernetes/runtime-secrets";

/** One layer of each mode: the layer's paths depend only on the mode and engine, never on namespaces or versions. */
function everyModeLayer(): RuntimeSecretsLayer[] {
  const eso = {
    replicas: 1,
    storageSize: "1Gi",
    namespaces: { externalSecrets: "external-secrets", engine: "engine" },
    chartVersions: { externalSecrets: "0.0.0", engine: "0.0.0" },
  };
  return [
    { mode: "openbao-eso", engine: "openbao", ...eso },
    { mode: "vault-eso", engine: "vault", ...eso },
    { mode: "sealed-secrets", namespace: "sealed-secrets", chartVersion: "0.0.0" },
  ];
}

/** Paths (relative to the tree root) the layer may own for this cluster but does not render in the current mode. */
export function staleLayerPaths(cluster: string, current: RuntimeSecretsConfig): string[] {
  const rendered = new Set(runtimeSecretsFiles(cluster, current).map((f) => f.path));
  const owned = new Set(everyModeLayer().flatMap((layer) => runtimeSecretsFiles(cluster, layer).map((f) => f.path)));
  return [...owned].filter((path) => !rendered.has(path)).sort();
}

/** Deletes the stale layer files under `root` that exist; returns the removed paths. */
export async function removeStaleLayerFiles(root: string, cluster: string, current: RuntimeSecretsConfig): Promise<string[]> {
  const removed: string[] = [];
  for (const path of staleLayerPaths(cluster, current)) {
    try {
      await rm(join(root, path));
      removed.push(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  return removed;
}
