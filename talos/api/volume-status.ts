/**
 * Talos's VolumeStatus resource (block.talos.dev, namespace runtime; `talosctl get volumestatus`): how machined
 * prepared each volume, encryption included. The YAML keys and enum spellings are those of
 * pkg/machinery/resources/block (VolumeStatusSpec) in Talos 1.11 to 1.14: `encryptionProvider` is `luks2` or `none`,
 * `configuredEncryptionKeys` lists the key types of the volume's slots (`tpm` for a key sealed to the TPM, `static`,
 * `nodeID`, `kms`). From 1.12 `encryptionSlot` names the slot that unlocked it.
 */
import { parse } from "yaml";
import type { TalosClient } from "./client";

export const VOLUME_STATUS_NAMESPACE = "runtime";
export const VOLUME_STATUS_TYPE = "VolumeStatuses.block.talos.dev";

/** The system volumes Talos encrypts when the machine config asks for disk encryption. */
export const ENCRYPTED_SYSTEM_VOLUMES = ["STATE", "EPHEMERAL"] as const;

export interface VolumeStatus {
  readonly id: string;
  /** waiting, failed, missing, located, provisioned, prepared, ready, closed. */
  readonly phase: string;
  readonly encryptionProvider: string;
  readonly configuredEncryptionKeys: readonly string[];
  readonly encryptionSlot?: number;
  readonly errorMessage?: string;
}

/** Parses a VolumeStatus YAML spec (missing fields take Talos's omitempty defaults). */
export function parseVolumeStatus(id: string, yamlSpec: string): VolumeStatus {
  const spec = parse(yamlSpec) as unknown;
  if (spec === null || typeof spec !== "object") throw new Error(`Talos VolumeStatus ${id} has no YAML spec`);
  const s = spec as Record<string, unknown>;
  const keys = Array.isArray(s.configuredEncryptionKeys) ? s.configuredEncryptionKeys.map(String) : [];
  return {
    id,
    phase: String(s.phase ?? "unknown"),
    encryptionProvider: typeof s.encryptionProvider === "string" ? s.encryptionProvider : "none",
    configuredEncryptionKeys: keys,
    ...(typeof s.encryptionSlot === "number" ? { encryptionSlot: s.encryptionSlot } : {}),
    ...(typeof s.errorMessage === "string" && s.errorMessage !== "" ? { errorMessage: s.errorMessage } : {}),
  };
}

export async function readVolumeStatus(client: TalosClient, id: string): Promise<VolumeStatus> {
  const resource = await client.getResource(VOLUME_STATUS_NAMESPACE, VOLUME_STATUS_TYPE, id);
  return parseVolumeStatus(id, resource.spec?.yamlSpec ?? "");
}

/**
 * Why a volume is not LUKS2 with a TPM-sealed key, or undefined when it is. A volume not `ready` yet (or failed) is
 * reported with its phase and machined's error message.
 */
export function tpmSealProblem(status: VolumeStatus): string | undefined {
  if (status.phase !== "ready") return `is ${status.phase}, not ready${status.errorMessage !== undefined ? ` (${status.errorMessage})` : ""}`;
  if (status.encryptionProvider !== "luks2") return `is not encrypted (encryptionProvider ${status.encryptionProvider}, want luks2)`;
  if (!status.configuredEncryptionKeys.includes("tpm")) {
    return `is LUKS2 without a TPM-sealed key (key slots: ${status.configuredEncryptionKeys.join(", ") || "none"}, want tpm)`;
  }
  return undefined;
}
