/**
 * Stack config `runtimeSecrets`: the optional second secrets layer (ADR 0017) on top of the SOPS bootstrap layer.
 * `none` (default), External Secrets Operator with OpenBao (`openbao-eso`) or HashiCorp Vault (`vault-eso`), or
 * Sealed Secrets (`sealed-secrets`). Schema, checks (field, value, fix) and normalization live here.
 */
import { z } from "zod";
import { EXTERNAL_SECRETS_CHART, OPENBAO_CHART, SEALED_SECRETS_CHART, VAULT_CHART } from "../kubernetes/runtime-secrets/versions";
import type { RuntimeSecretsLayer, SecretsEngine } from "../kubernetes/runtime-secrets/layer-options";
import type { ConfigIssue } from "./config-error";

export const RUNTIME_SECRETS_MODES = ["none", "openbao-eso", "vault-eso", "sealed-secrets"] as const;
export type RuntimeSecretsMode = (typeof RUNTIME_SECRETS_MODES)[number];

export const runtimeSecretsSchema = z
  .object({
    mode: z.enum(RUNTIME_SECRETS_MODES).default("none"),
    /** OpenBao/Vault server replicas (Raft peers); defaults to 3 with 3+ nodes, else 1. */
    replicas: z.number().int().optional(),
    /** StorageClass of the Raft volumes; the cluster default when unset. */
    storageClass: z.string().optional(),
    storageSize: z.string().default("10Gi"),
    namespaces: z
      .object({
        externalSecrets: z.string().default("external-secrets"),
        engine: z.string().optional(),
        sealedSecrets: z.string().default("sealed-secrets"),
      })
      .strict()
      .prefault({}),
    chartVersions: z
      .object({
        externalSecrets: z.string().default(EXTERNAL_SECRETS_CHART.defaultVersion),
        openbao: z.string().default(OPENBAO_CHART.defaultVersion),
        vault: z.string().default(VAULT_CHART.defaultVersion),
        sealedSecrets: z.string().default(SEALED_SECRETS_CHART.defaultVersion),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

type RuntimeSecretsShape = z.output<typeof runtimeSecretsSchema>;

export type { SecretsEngine };

/** The validated layer every other module consumes: only the fields that apply to the chosen mode. */
export type RuntimeSecretsConfig = RuntimeSecretsLayer;

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** An exact chart version: Flux would accept a range, but a range is not a pin. */
const EXACT_SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$/;
const STORAGE_SIZE = /^[1-9][0-9]*(Mi|Gi|Ti)$/;
/** Namespaces the layer must not share: Kubernetes' own and Flux's. */
const RESERVED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease", "flux-system"];

const PATH = "runtimeSecrets";

function engineOf(mode: RuntimeSecretsMode): SecretsEngine | undefined {
  return mode === "openbao-eso" ? "openbao" : mode === "vault-eso" ? "vault" : undefined;
}

function defaultReplicas(nodeCount: number): number {
  return nodeCount >= 3 ? 3 : 1;
}

function checkNamespace(field: string, value: string, issues: ConfigIssue[]): void {
  if (!DNS_LABEL.test(value)) {
    issues.push({ path: `${PATH}.namespaces.${field}`, value, problem: "is not a namespace name", fix: "use a DNS label: lower-case letters, digits and '-', at most 63 characters, e.g. external-secrets" });
  } else if (RESERVED_NAMESPACES.includes(value)) {
    issues.push({ path: `${PATH}.namespaces.${field}`, value, problem: "is a namespace Kubernetes or Flux owns", fix: `choose a namespace of the layer's own (not ${RESERVED_NAMESPACES.join(", ")})` });
  }
}

function checkChartVersion(field: string, value: string, issues: ConfigIssue[]): void {
  if (!EXACT_SEMVER.test(value)) {
    issues.push({ path: `${PATH}.chartVersions.${field}`, value, problem: "is not an exact chart version", fix: "pin one release such as 1.2.3 (ranges and 'latest' change what is installed without a commit)" });
  }
}

function checkReplicas(value: number | undefined, nodeCount: number, issues: ConfigIssue[]): void {
  if (value === undefined) return;
  const path = `${PATH}.replicas`;
  if (value < 1 || value % 2 === 0) {
    issues.push({ path, value, problem: "is not an odd number of Raft peers", fix: "use 1, 3 or 5 (Raft needs a majority; an even count tolerates no more failures than one fewer)" });
  } else if (value > nodeCount) {
    issues.push({ path, value, problem: `is more than the ${nodeCount} node(s) of the cluster (the chart spreads peers one per node)`, fix: `use at most ${nodeCount}, or remove it for the default (${defaultReplicas(nodeCount)})` });
  }
}

function checkStorage(section: RuntimeSecretsShape, issues: ConfigIssue[]): void {
  if (section.storageClass !== undefined && !DNS_SUBDOMAIN.test(section.storageClass)) {
    issues.push({ path: `${PATH}.storageClass`, value: section.storageClass, problem: "is not a StorageClass name", fix: "use the name `kubectl get storageclass` shows (a DNS subdomain), or remove it for the cluster default" });
  }
  if (!STORAGE_SIZE.test(section.storageSize)) {
    issues.push({ path: `${PATH}.storageSize`, value: section.storageSize, problem: "is not a volume size", fix: "write a whole number of Mi, Gi or Ti, e.g. 10Gi" });
  }
}

/** Engine-only keys given with a mode that has no engine: refused rather than silently ignored. */
function checkUnusedKeys(raw: unknown, mode: RuntimeSecretsMode, issues: ConfigIssue[]): void {
  if (engineOf(mode) !== undefined || typeof raw !== "object" || raw === null) return;
  for (const key of ["replicas", "storageClass", "storageSize"]) {
    if (key in raw) {
      issues.push({ path: `${PATH}.${key}`, value: (raw as Record<string, unknown>)[key], problem: `applies only to the openbao-eso and vault-eso modes, not to mode ${mode}`, fix: "remove it, or set runtimeSecrets.mode to openbao-eso or vault-eso" });
    }
  }
}

/** Checks the section and returns the normalized layer (undefined when an issue was found). */
export function checkRuntimeSecrets(section: RuntimeSecretsShape, raw: unknown, nodeCount: number, issues: ConfigIssue[]): RuntimeSecretsConfig | undefined {
  const before = issues.length;
  const engine = engineOf(section.mode);
  checkUnusedKeys(raw, section.mode, issues);
  if (section.mode === "sealed-secrets") {
    checkNamespace("sealedSecrets", section.namespaces.sealedSecrets, issues);
    checkChartVersion("sealedSecrets", section.chartVersions.sealedSecrets, issues);
    return issues.length > before ? undefined : { mode: "sealed-secrets", namespace: section.namespaces.sealedSecrets, chartVersion: section.chartVersions.sealedSecrets.replace(/^v/, "") };
  }
  if (engine === undefined || section.mode === "none") return { mode: "none" };
  const engineNamespace = section.namespaces.engine ?? engine;
  checkNamespace("externalSecrets", section.namespaces.externalSecrets, issues);
  checkNamespace("engine", engineNamespace, issues);
  if (engineNamespace === section.namespaces.externalSecrets) {
    issues.push({ path: `${PATH}.namespaces.engine`, value: engineNamespace, problem: "is the same namespace as namespaces.externalSecrets", fix: `give ${engine} a namespace of its own, e.g. ${engine}` });
  }
  checkChartVersion("externalSecrets", section.chartVersions.externalSecrets, issues);
  checkChartVersion(engine, section.chartVersions[engine], issues);
  checkReplicas(section.replicas, nodeCount, issues);
  checkStorage(section, issues);
  if (issues.length > before) return undefined;
  return {
    mode: section.mode,
    engine,
    replicas: section.replicas ?? defaultReplicas(nodeCount),
    ...(section.storageClass !== undefined ? { storageClass: section.storageClass } : {}),
    storageSize: section.storageSize,
    namespaces: { externalSecrets: section.namespaces.externalSecrets, engine: engineNamespace },
    chartVersions: { externalSecrets: section.chartVersions.externalSecrets.replace(/^v/, ""), engine: section.chartVersions[engine].replace(/^v/, "") },
  };
}
