/** Manifests as one multi-document YAML file, each validated by its kind's strict schema first. */
import { stringify } from "yaml";
import type { z } from "zod";
import { ManifestError } from "../manifest-yaml";
import {
  clusterSecretStoreSchema,
  externalSecretSchema,
  fluxKustomizationSchema,
  helmReleaseSchema,
  helmRepositorySchema,
  kustomizeFileSchema,
  type ClusterSecretStore,
  type ExternalSecret,
  type FluxKustomization,
  type HelmRelease,
  type HelmRepository,
  type KustomizeFile,
} from "./schemas";
import { namespaceSchema } from "../schemas";
import type { Namespace } from "../types";

export type LayerDocument = Namespace | HelmRepository | HelmRelease | FluxKustomization | KustomizeFile | ClusterSecretStore | ExternalSecret;

function schemaFor(doc: LayerDocument): z.ZodType {
  switch (doc.apiVersion) {
    case "v1":
      return namespaceSchema;
    case "source.toolkit.fluxcd.io/v1":
      return helmRepositorySchema;
    case "helm.toolkit.fluxcd.io/v2":
      return helmReleaseSchema;
    case "kustomize.toolkit.fluxcd.io/v1":
      return fluxKustomizationSchema;
    case "kustomize.config.k8s.io/v1beta1":
      return kustomizeFileSchema;
    case "external-secrets.io/v1":
      return doc.kind === "ClusterSecretStore" ? clusterSecretStoreSchema : externalSecretSchema;
  }
}

function validated(doc: LayerDocument): LayerDocument {
  const result = schemaFor(doc).safeParse(doc);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    const name = "metadata" in doc ? ` "${doc.metadata.name}"` : "";
    throw new ManifestError(`${doc.kind}${name} is invalid: ${issues.join("; ")}`);
  }
  return doc;
}

export function documentsYaml(docs: readonly LayerDocument[]): string {
  return docs.map((doc) => stringify(validated(doc), { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n");
}
