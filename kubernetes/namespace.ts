import { FLUX_NAMESPACE, PART_OF_LABEL } from "./names";
import type { Namespace } from "./types";

export function fluxNamespace(): Namespace {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name: FLUX_NAMESPACE, labels: { ...PART_OF_LABEL } } };
}
