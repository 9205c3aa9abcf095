/** The External Secrets Operator HelmRelease (with its CRDs), installed after the engine it reads from. */
import { engineRelease } from "./engine-release";
import { helmRelease } from "./helm-release";
import type { EsoLayer } from "./layer-options";
import { EXTERNAL_SECRETS_RELEASE } from "./names";
import type { HelmRelease } from "./schemas";
import { EXTERNAL_SECRETS_CHART } from "./versions";

export function externalSecretsRelease(layer: EsoLayer): HelmRelease {
  const engine = engineRelease(layer).metadata;
  return helmRelease({
    name: EXTERNAL_SECRETS_RELEASE,
    namespace: layer.namespaces.externalSecrets,
    source: EXTERNAL_SECRETS_CHART,
    version: layer.chartVersions.externalSecrets,
    values: { installCRDs: true },
    dependsOn: [{ name: engine.name, namespace: engine.namespace }],
  });
}
