/**
 * zod schemas for the manifests this project writes. Every object is `.strict()`, so a misspelled or misplaced
 * field is rejected here instead of being silently dropped (or refused) by the API server.
 */
import { z } from "zod";
import type { FluxInstance, Namespace, Secret } from "./types";

export const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a DNS label (RFC 1123)");
export const dnsSubdomain = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, "must be a DNS subdomain (RFC 1123)");
export const stringMap = z.record(z.string().min(1), z.string());

const objectMeta = z
  .object({
    name: dnsSubdomain,
    namespace: dnsLabel,
    labels: stringMap.optional(),
    annotations: stringMap.optional(),
  })
  .strict();

const clusterObjectMeta = objectMeta.omit({ namespace: true }).extend({ name: dnsLabel }).strict();

export const namespaceSchema: z.ZodType<Namespace> = z
  .object({ apiVersion: z.literal("v1"), kind: z.literal("Namespace"), metadata: clusterObjectMeta })
  .strict();

const secretKey = z.string().regex(/^[-._a-zA-Z0-9]+$/, "must consist of alphanumerics, '-', '_' or '.'");
const base64 = z.string().regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, "must be base64");

export const secretSchema: z.ZodType<Secret> = z
  .object({
    apiVersion: z.literal("v1"),
    kind: z.literal("Secret"),
    metadata: objectMeta,
    type: z.string().min(1).optional(),
    immutable: z.boolean().optional(),
    data: z.record(secretKey, base64).optional(),
    stringData: z.record(secretKey, z.string()).optional(),
  })
  .strict();

const fluxComponent = z.enum([
  "source-controller",
  "kustomize-controller",
  "helm-controller",
  "notification-controller",
  "image-reflector-controller",
  "image-automation-controller",
  "source-watcher",
]);

const kustomizePatch = z
  .object({
    patch: z.string().min(1),
    target: z
      .object({
        group: z.string().optional(),
        version: z.string().optional(),
        kind: z.string().optional(),
        name: z.string().optional(),
        labelSelector: z.string().optional(),
        annotationSelector: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const fluxSync = z
  .object({
    kind: z.enum(["GitRepository", "OCIRepository", "Bucket"]),
    url: z.string().min(1),
    ref: z.string().min(1),
    path: z.string().min(1),
    interval: z
      .string()
      .regex(/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/, "must be a Go duration such as 1m")
      .optional(),
    name: z.string().max(63).optional(),
    pullSecret: dnsSubdomain.optional(),
    provider: z.enum(["generic", "aws", "azure", "gcp", "github"]).optional(),
  })
  .strict();

const fluxInstanceSpec = z
  .object({
    distribution: z
      .object({
        version: z.string().min(1),
        registry: z.string().min(1),
        imagePullSecret: z.string().optional(),
        artifact: z.string().regex(/^oci:\/\//, "must start with oci://").optional(),
        artifactPullSecret: z.string().optional(),
      })
      .strict(),
    components: z.array(fluxComponent).optional(),
    cluster: z
      .object({
        type: z.enum(["kubernetes", "openshift", "aws", "azure", "gcp"]).optional(),
        size: z.enum(["small", "medium", "large"]).optional(),
        domain: z.string().optional(),
        multitenant: z.boolean().optional(),
        networkPolicy: z.boolean().optional(),
      })
      .strict()
      .optional(),
    commonMetadata: z.object({ labels: stringMap.optional(), annotations: stringMap.optional() }).strict().optional(),
    storage: z.object({ class: z.string().min(1), size: z.string().min(1) }).strict().optional(),
    kustomize: z.object({ patches: z.array(kustomizePatch).optional() }).strict().optional(),
    wait: z.boolean().optional(),
    migrateResources: z.boolean().optional(),
    sync: fluxSync.optional(),
  })
  .strict();

export const fluxInstanceSchema: z.ZodType<FluxInstance> = z
  .object({
    apiVersion: z.literal("fluxcd.controlplane.io/v1"),
    kind: z.literal("FluxInstance"),
    metadata: objectMeta,
    spec: fluxInstanceSpec,
  })
  .strict();
