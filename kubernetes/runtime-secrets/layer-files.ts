/**
 * Every file of the runtime secrets layer for one cluster, relative to the tree root. Nothing here is secret:
 * unseal keys, root token and TLS keys are made by the documented init procedure, never rendered
 * (docs/runtime-secrets.md).
 *
 * clusters/<cluster>/infrastructure/
 *   kustomization.yaml                       (the Flux scaffold's, gitops/flux-scaffold.ts) lists runtime-secrets.yaml
 *   runtime-secrets.yaml                     the Flux Kustomizations (controllers, then store)
 *   runtime-secrets/controllers/…            Namespaces, HelmRepositories, HelmReleases
 *   runtime-secrets/store/…                  ClusterSecretStore, example ExternalSecret (ESO modes)
 */
import { layerNamespace } from "./namespace-object";
import { clusterSecretStore } from "./cluster-secret-store";
import { documentsYaml, type LayerDocument } from "./documents-yaml";
import { engineChart, engineRelease } from "./engine-release";
import { exampleExternalSecret } from "./example-external-secret";
import { externalSecretsRelease } from "./external-secrets-release";
import { fluxKustomization, kustomizeFile } from "./flux-kustomization";
import { helmRepository } from "./helm-repository";
import type { EsoLayer, RuntimeSecretsLayer, SealedSecretsLayer } from "./layer-options";
import { CONTROLLERS_KUSTOMIZATION, STORE_KUSTOMIZATION } from "./names";
import { sealedSecretsRelease } from "./sealed-secrets-release";
import { EXTERNAL_SECRETS_CHART, SEALED_SECRETS_CHART } from "./versions";

export interface LayerFile {
  readonly path: string;
  readonly description: string;
  readonly content: string;
}

/** The folder every file of the layer lives under. */
export function infrastructureDir(cluster: string): string {
  return `clusters/${cluster}/infrastructure`;
}

interface Folder {
  readonly name: string;
  readonly files: ReadonlyArray<{ readonly file: string; readonly description: string; readonly docs: readonly LayerDocument[] }>;
}

function folderFiles(base: string, folder: Folder): LayerFile[] {
  const dir = `${base}/runtime-secrets/${folder.name}`;
  return [
    { path: `${dir}/kustomization.yaml`, description: `runtime secrets ${folder.name} kustomization`, content: documentsYaml([kustomizeFile(folder.files.map((f) => f.file))]) },
    ...folder.files.map((f) => ({ path: `${dir}/${f.file}`, description: f.description, content: documentsYaml(f.docs) })),
  ];
}

function esoFolders(layer: EsoLayer): Folder[] {
  return [
    {
      name: "controllers",
      files: [
        { file: "namespaces.yaml", description: "runtime secrets namespaces", docs: [layerNamespace(layer.namespaces.engine), layerNamespace(layer.namespaces.externalSecrets)] },
        { file: "helm-repositories.yaml", description: "runtime secrets HelmRepositories", docs: [helmRepository(engineChart(layer.engine)), helmRepository(EXTERNAL_SECRETS_CHART)] },
        { file: `${layer.engine}.yaml`, description: `${layer.engine} HelmRelease (HA, Raft, TLS)`, docs: [engineRelease(layer)] },
        { file: "external-secrets.yaml", description: "External Secrets Operator HelmRelease", docs: [externalSecretsRelease(layer)] },
      ],
    },
    {
      name: "store",
      files: [
        { file: "cluster-secret-store.yaml", description: "ClusterSecretStore (Kubernetes auth)", docs: [clusterSecretStore(layer)] },
        { file: "example-external-secret.yaml", description: "example ExternalSecret", docs: [exampleExternalSecret(layer)] },
      ],
    },
  ];
}

function sealedSecretsFolders(layer: SealedSecretsLayer): Folder[] {
  return [
    {
      name: "controllers",
      files: [
        { file: "namespaces.yaml", description: "runtime secrets namespace", docs: [layerNamespace(layer.namespace)] },
        { file: "helm-repositories.yaml", description: "runtime secrets HelmRepository", docs: [helmRepository(SEALED_SECRETS_CHART)] },
        { file: "sealed-secrets.yaml", description: "Sealed Secrets controller HelmRelease", docs: [sealedSecretsRelease(layer)] },
      ],
    },
  ];
}

/** The layer's files in a stable order; none for mode `none`. Pure. */
export function runtimeSecretsFiles(cluster: string, layer: RuntimeSecretsLayer): LayerFile[] {
  if (layer.mode === "none") return [];
  const base = infrastructureDir(cluster);
  const folders = layer.mode === "sealed-secrets" ? sealedSecretsFolders(layer) : esoFolders(layer);
  const kustomizations = folders.map((folder, index) =>
    fluxKustomization({
      name: folder.name === "controllers" ? CONTROLLERS_KUSTOMIZATION : STORE_KUSTOMIZATION,
      path: `${base}/runtime-secrets/${folder.name}`,
      dependsOn: index === 0 ? [] : [CONTROLLERS_KUSTOMIZATION],
    }),
  );
  return [
    { path: `${base}/runtime-secrets.yaml`, description: "runtime secrets Flux Kustomizations", content: documentsYaml(kustomizations) },
    ...folders.flatMap((folder) => folderFiles(base, folder)),
  ];
}
