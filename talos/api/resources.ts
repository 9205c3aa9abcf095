import { parse } from "yaml";
import type { TalosClient } from "./client";

/** A COSI resource address as Talos names it (`talosctl get <type> <id> -n <namespace>`). */
export interface ResourceRef {
  readonly namespace: string;
  readonly type: string;
  readonly id: string;
}

export const MACHINE_STATUS: ResourceRef = { namespace: "runtime", type: "MachineStatuses.runtime.talos.dev", id: "machine" };
export const SECURITY_STATE: ResourceRef = { namespace: "runtime", type: "SecurityStates.talos.dev", id: "securitystate" };

/** runtime.MachineStatusSpec (yaml keys as Talos writes them). */
export interface MachineStatus {
  /** booting, installing, maintenance, running, rebooting, shutting down, resetting, upgrading. */
  readonly stage: string;
  readonly ready: boolean;
  readonly unmetConditions: readonly { name: string; reason: string }[];
}

/** runtime.SecurityStateSpec: check secureBoot before enabling checkSecurebootStatusOnEnroll. */
export interface SecurityState {
  readonly secureBoot: boolean;
  readonly bootedWithUKI: boolean;
  readonly ukiSigningKeyFingerprint?: string;
  readonly pcrSigningKeyFingerprint?: string;
}

async function readSpec(client: TalosClient, ref: ResourceRef): Promise<Record<string, unknown>> {
  const resource = await client.getResource(ref.namespace, ref.type, ref.id);
  const yamlSpec = resource.spec?.yamlSpec ?? "";
  const spec = parse(yamlSpec) as unknown;
  if (spec === null || typeof spec !== "object") {
    throw new Error(`Talos resource ${ref.type}/${ref.id} has no YAML spec (got ${JSON.stringify(yamlSpec.slice(0, 80))})`);
  }
  return spec as Record<string, unknown>;
}

export async function readMachineStatus(client: TalosClient): Promise<MachineStatus> {
  const spec = await readSpec(client, MACHINE_STATUS);
  const status = (spec.status ?? {}) as { ready?: boolean; unmetConditions?: { name: string; reason: string }[] | null };
  return { stage: String(spec.stage ?? "unknown"), ready: status.ready === true, unmetConditions: status.unmetConditions ?? [] };
}

export async function readSecurityState(client: TalosClient): Promise<SecurityState> {
  const spec = await readSpec(client, SECURITY_STATE);
  return {
    secureBoot: spec.secureBoot === true,
    bootedWithUKI: spec.bootedWithUKI === true,
    ...(typeof spec.ukiSigningKeyFingerprint === "string" ? { ukiSigningKeyFingerprint: spec.ukiSigningKeyFingerprint } : {}),
    ...(typeof spec.pcrSigningKeyFingerprint === "string" ? { pcrSigningKeyFingerprint: spec.pcrSigningKeyFingerprint } : {}),
  };
}
