import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { AdminKubeconfigOptions } from "../../talos/kubeconfig";
import type { SecretsBundle } from "../../talos/types";
import { requiredString } from "./inputs";

export const ADMIN_KUBECONFIG = "AdminKubeconfig";
export const ADMIN_KUBECONFIG_SECRET_OUTPUTS = ["kubeconfig", "secretsYaml"];

export interface AdminKubeconfigDeps {
  parseSecretsYaml(text: string): SecretsBundle;
  renderAdminKubeconfig(bundle: SecretsBundle, options: AdminKubeconfigOptions): Promise<string>;
  now(): Date;
}

export interface AdminKubeconfigInputs {
  readonly secretsYaml: string;
  readonly clusterName: string;
  readonly endpoint: string;
}

export interface AdminKubeconfigOutputs extends AdminKubeconfigInputs {
  readonly kubeconfig: string;
}

export function adminKubeconfigInputs(raw: Record<string, unknown>): AdminKubeconfigInputs {
  return {
    secretsYaml: requiredString(ADMIN_KUBECONFIG, raw, "secretsYaml"),
    clusterName: requiredString(ADMIN_KUBECONFIG, raw, "clusterName"),
    endpoint: requiredString(ADMIN_KUBECONFIG, raw, "endpoint"),
  };
}

/** The kubeconfig for these inputs: the existing one while it is valid for them, else a fresh certificate. */
async function kubeconfigFor(inputs: AdminKubeconfigInputs, existing: string | undefined, deps: AdminKubeconfigDeps): Promise<string> {
  const bundle = deps.parseSecretsYaml(inputs.secretsYaml);
  return deps.renderAdminKubeconfig(bundle, {
    clusterName: inputs.clusterName,
    endpoint: inputs.endpoint,
    now: deps.now(),
    ...(existing !== undefined ? { existing } : {}),
  });
}

export async function createAdminKubeconfig(
  inputs: AdminKubeconfigInputs,
  deps: AdminKubeconfigDeps,
): Promise<{ id: string; outs: AdminKubeconfigOutputs }> {
  const id = createHash("sha256").update(`${inputs.clusterName}\n${inputs.endpoint}`).digest("hex").slice(0, 16);
  return { id, outs: { ...inputs, kubeconfig: await kubeconfigFor(inputs, undefined, deps) } };
}

/** Changes only when the cluster, endpoint or CA changed, or the client certificate is within 30 days of expiry. */
export async function diffAdminKubeconfig(
  olds: AdminKubeconfigOutputs,
  news: AdminKubeconfigInputs,
  deps: AdminKubeconfigDeps,
): Promise<pulumi.dynamic.DiffResult> {
  const next = await kubeconfigFor(news, olds.kubeconfig, deps);
  return { changes: next !== olds.kubeconfig, replaces: [], deleteBeforeReplace: false };
}

export async function updateAdminKubeconfig(
  olds: AdminKubeconfigOutputs,
  news: AdminKubeconfigInputs,
  deps: AdminKubeconfigDeps,
): Promise<{ outs: AdminKubeconfigOutputs }> {
  return { outs: { ...news, kubeconfig: await kubeconfigFor(news, olds.kubeconfig, deps) } };
}
