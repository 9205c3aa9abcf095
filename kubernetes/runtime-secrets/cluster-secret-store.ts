/**
 * The ClusterSecretStore every namespace's ExternalSecrets read through: the engine's KV v2 mount over TLS (CA from
 * the engine's TLS Secret), logging in with Kubernetes auth as ESO's own service account.
 */
import { PART_OF_LABEL } from "../names";
import { engineServiceUrl } from "./engine-release";
import type { EsoLayer } from "./layer-options";
import { engineTlsSecretName, EXTERNAL_SECRETS_RELEASE, KUBERNETES_AUTH_MOUNT, KV_MOUNT, STORE_ROLE } from "./names";
import type { ClusterSecretStore } from "./schemas";

export function clusterSecretStore(layer: EsoLayer): ClusterSecretStore {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ClusterSecretStore",
    metadata: { name: layer.engine, labels: { ...PART_OF_LABEL } },
    spec: {
      provider: {
        vault: {
          server: engineServiceUrl(layer),
          path: KV_MOUNT,
          version: "v2",
          caProvider: { type: "Secret", name: engineTlsSecretName(layer.engine), namespace: layer.namespaces.engine, key: "ca.crt" },
          auth: {
            kubernetes: {
              mountPath: KUBERNETES_AUTH_MOUNT,
              role: STORE_ROLE,
              serviceAccountRef: { name: EXTERNAL_SECRETS_RELEASE, namespace: layer.namespaces.externalSecrets },
            },
          },
        },
      },
    },
  };
}
