import { stringify } from "yaml";
import type { z } from "zod";
import { fluxInstanceSchema, namespaceSchema, secretSchema } from "./schemas";
import type { FluxInstance, Namespace, Secret } from "./types";

export type Manifest = Namespace | Secret | FluxInstance;

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ManifestError";
  }
}

function schemaFor(manifest: Manifest): z.ZodType<Manifest> {
  switch (manifest.kind) {
    case "Namespace":
      return namespaceSchema;
    case "Secret":
      return secretSchema;
    case "FluxInstance":
      return fluxInstanceSchema;
  }
}

/** Checks a manifest against its kind's schema; the message lists each issue by path (never a value). */
export function validateManifest<M extends Manifest>(manifest: M): M {
  const result = schemaFor(manifest).safeParse(manifest);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new ManifestError(`${manifest.kind} "${manifest.metadata.name}" is invalid: ${issues.join("; ")}`);
  }
  return manifest;
}

/** One manifest as a YAML document, validated first. */
export function manifestYaml(manifest: Manifest): string {
  return stringify(validateManifest(manifest), { lineWidth: 0 });
}
