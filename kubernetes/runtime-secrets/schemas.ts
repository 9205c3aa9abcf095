/**
 * Strict zod shapes (and their types) of the kinds the runtime secrets layer writes: Flux's HelmRepository,
 * HelmRelease and Kustomization, kustomize's kustomization.yaml, and External Secrets' ClusterSecretStore and
 * ExternalSecret. Only the fields this project sets; every object `.strict()`, so a misplaced field fails here.
 * Field names and apiVersions follow the projects' Go API types (checked by test/compat/kube-decode).
 */
import { z } from "zod";
import { dnsLabel as namespace, dnsSubdomain as name, stringMap as labels } from "../schemas";

const duration = z.string().regex(/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/, "must be a Go duration such as 10m");

const namespacedMeta = z.object({ name, namespace, labels: labels.optional() }).strict();
const clusterMeta = z.object({ name, labels: labels.optional() }).strict();

export const helmRepositorySchema = z
  .object({
    apiVersion: z.literal("source.toolkit.fluxcd.io/v1"),
    kind: z.literal("HelmRepository"),
    metadata: namespacedMeta,
    spec: z.object({ url: z.string().regex(/^https:\/\//, "must be an https:// URL"), interval: duration }).strict(),
  })
  .strict();
export type HelmRepository = z.infer<typeof helmRepositorySchema>;

const crdsPolicy = z.enum(["Skip", "Create", "CreateReplace"]);
const remediation = z.object({ retries: z.number().int() }).strict();

export const helmReleaseSchema = z
  .object({
    apiVersion: z.literal("helm.toolkit.fluxcd.io/v2"),
    kind: z.literal("HelmRelease"),
    metadata: namespacedMeta,
    spec: z
      .object({
        interval: duration,
        releaseName: z.string().min(1).max(53),
        chart: z
          .object({
            spec: z
              .object({
                chart: z.string().min(1),
                version: z.string().min(1),
                sourceRef: z.object({ kind: z.literal("HelmRepository"), name, namespace }).strict(),
                interval: duration,
              })
              .strict(),
          })
          .strict(),
        dependsOn: z.array(z.object({ name, namespace }).strict()).optional(),
        install: z.object({ crds: crdsPolicy, remediation }).strict(),
        upgrade: z.object({ crds: crdsPolicy, remediation }).strict(),
        values: z.record(z.string(), z.unknown()),
      })
      .strict(),
  })
  .strict();
export type HelmRelease = z.infer<typeof helmReleaseSchema>;

export const fluxKustomizationSchema = z
  .object({
    apiVersion: z.literal("kustomize.toolkit.fluxcd.io/v1"),
    kind: z.literal("Kustomization"),
    metadata: namespacedMeta,
    spec: z
      .object({
        interval: duration,
        retryInterval: duration,
        timeout: duration,
        path: z.string().regex(/^\.\//, "must be relative to the repository root, starting with ./"),
        prune: z.boolean(),
        wait: z.boolean(),
        sourceRef: z.object({ kind: z.literal("GitRepository"), name }).strict(),
        dependsOn: z.array(z.object({ name }).strict()).optional(),
        decryption: z.object({ provider: z.literal("sops"), secretRef: z.object({ name }).strict() }).strict().optional(),
      })
      .strict(),
  })
  .strict();
export type FluxKustomization = z.infer<typeof fluxKustomizationSchema>;

/** A kustomize `kustomization.yaml` (build input, not an API object). */
export const kustomizeFileSchema = z
  .object({
    apiVersion: z.literal("kustomize.config.k8s.io/v1beta1"),
    kind: z.literal("Kustomization"),
    resources: z.array(z.string().regex(/^[^/][^\n]*$/, "must be a relative path")).min(1),
  })
  .strict();
export type KustomizeFile = z.infer<typeof kustomizeFileSchema>;


export const clusterSecretStoreSchema = z
  .object({
    apiVersion: z.literal("external-secrets.io/v1"),
    kind: z.literal("ClusterSecretStore"),
    metadata: clusterMeta,
    spec: z
      .object({
        provider: z
          .object({
            vault: z
              .object({
                server: z.string().regex(/^https:\/\//, "must be an https:// URL (the engine serves TLS)"),
                path: z.string().min(1),
                version: z.enum(["v1", "v2"]),
                caProvider: z.object({ type: z.enum(["Secret", "ConfigMap"]), name, namespace, key: z.string().min(1) }).strict(),
                auth: z
                  .object({
                    kubernetes: z
                      .object({
                        mountPath: z.string().min(1),
                        role: z.string().min(1),
                        serviceAccountRef: z.object({ name, namespace }).strict(),
                      })
                      .strict(),
                  })
                  .strict(),
              })
              .strict(),
          })
          .strict(),
      })
      .strict(),
  })
  .strict();
export type ClusterSecretStore = z.infer<typeof clusterSecretStoreSchema>;

export const externalSecretSchema = z
  .object({
    apiVersion: z.literal("external-secrets.io/v1"),
    kind: z.literal("ExternalSecret"),
    metadata: namespacedMeta,
    spec: z
      .object({
        refreshInterval: duration,
        secretStoreRef: z.object({ kind: z.literal("ClusterSecretStore"), name }).strict(),
        target: z.object({ name, creationPolicy: z.enum(["Owner", "Orphan", "Merge", "None"]) }).strict(),
        data: z
          .array(
            z
              .object({
                secretKey: z.string().regex(/^[-._a-zA-Z0-9]+$/),
                remoteRef: z.object({ key: z.string().min(1), property: z.string().min(1) }).strict(),
              })
              .strict(),
          )
          .min(1),
      })
      .strict(),
  })
  .strict();
export type ExternalSecret = z.infer<typeof externalSecretSchema>;

