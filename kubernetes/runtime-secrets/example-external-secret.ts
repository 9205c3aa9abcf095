/**
 * One example ExternalSecret: the Secret `example` in ESO's namespace, from the `example` entry of the KV mount
 * (written by the init procedure). A template to copy for applications; it holds a reference, never a value.
 */
import { PART_OF_LABEL } from "../names";
import type { EsoLayer } from "./layer-options";
import type { ExternalSecret } from "./schemas";

export const EXAMPLE_SECRET_NAME = "example";

export function exampleExternalSecret(layer: EsoLayer): ExternalSecret {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { name: EXAMPLE_SECRET_NAME, namespace: layer.namespaces.externalSecrets, labels: { ...PART_OF_LABEL } },
    spec: {
      refreshInterval: "1h",
      secretStoreRef: { kind: "ClusterSecretStore", name: layer.engine },
      target: { name: EXAMPLE_SECRET_NAME, creationPolicy: "Owner" },
      data: [{ secretKey: "password", remoteRef: { key: EXAMPLE_SECRET_NAME, property: "password" } }],
    },
  };
}
