/**
 * A Flux HelmRelease of a pinned chart from one of the layer's HelmRepositories, installed into its own namespace
 * with CRDs created and replaced by Helm, and ordered after other releases with `dependsOn`.
 */
import { FLUX_NAMESPACE, PART_OF_LABEL } from "../names";
import type { HelmRelease } from "./schemas";
import type { ChartSource } from "./versions";

export interface HelmReleaseOptions {
  readonly name: string;
  readonly namespace: string;
  readonly source: ChartSource;
  readonly version: string;
  readonly values: Record<string, unknown>;
  readonly dependsOn?: ReadonlyArray<{ readonly name: string; readonly namespace: string }>;
}

export function helmRelease(options: HelmReleaseOptions): HelmRelease {
  return {
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: { name: options.name, namespace: options.namespace, labels: { ...PART_OF_LABEL } },
    spec: {
      interval: "30m",
      releaseName: options.name,
      chart: {
        spec: {
          chart: options.source.chart,
          version: options.version,
          sourceRef: { kind: "HelmRepository", name: options.source.repository, namespace: FLUX_NAMESPACE },
          interval: "12h",
        },
      },
      ...(options.dependsOn !== undefined && options.dependsOn.length > 0 ? { dependsOn: options.dependsOn.map((d) => ({ ...d })) } : {}),
      install: { crds: "CreateReplace", remediation: { retries: 3 } },
      upgrade: { crds: "CreateReplace", remediation: { retries: 3 } },
      values: options.values,
    },
  };
}
