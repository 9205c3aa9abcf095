/** A Flux HelmRepository for one chart source, in the Flux namespace. */
import { FLUX_NAMESPACE, PART_OF_LABEL } from "../names";
import type { HelmRepository } from "./schemas";
import type { ChartSource } from "./versions";

export function helmRepository(source: ChartSource): HelmRepository {
  return {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "HelmRepository",
    metadata: { name: source.repository, namespace: FLUX_NAMESPACE, labels: { ...PART_OF_LABEL } },
    spec: { url: source.url, interval: "12h" },
  };
}
