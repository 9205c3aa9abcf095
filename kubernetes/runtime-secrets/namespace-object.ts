/** A Namespace the layer installs into, labelled as this project's. */
import { PART_OF_LABEL } from "../names";
import type { Namespace } from "../types";

export function layerNamespace(name: string): Namespace {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { ...PART_OF_LABEL } } };
}
