/** The Sealed Secrets controller HelmRelease, named as `kubeseal` expects (`--controller-namespace` is the layer's). */
import { helmRelease } from "./helm-release";
import type { SealedSecretsLayer } from "./layer-options";
import { SEALED_SECRETS_RELEASE } from "./names";
import type { HelmRelease } from "./schemas";
import { SEALED_SECRETS_CHART } from "./versions";

export function sealedSecretsRelease(layer: SealedSecretsLayer): HelmRelease {
  return helmRelease({
    name: SEALED_SECRETS_RELEASE,
    namespace: layer.namespace,
    source: SEALED_SECRETS_CHART,
    version: layer.chartVersion,
    values: { fullnameOverride: SEALED_SECRETS_RELEASE },
  });
}
