import { createHash, randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { ApplyConfigurationResponse, ApplyMode } from "../../talos/api/messages";
import type { ApplyPath, NodeClients, ProgressLog, RetryPolicy } from "../../talos/api/operations";
import { changedConfigPaths } from "../../talos/machine-config/path-digests";
import { optionalNumber, optionalString, requiredString } from "./inputs";

export const CONFIG_APPLY = "TalosConfigApply";
const DEFAULT_TIMEOUT_SECONDS = 600;

export interface ConfigApplyInputs {
  /** The node's Talos API address (its IP). */
  readonly node: string;
  /** Where to dial when not the node itself (configured mode proxies with `node` metadata). */
  readonly endpoint?: string;
  /** The full machine config (all documents). Secret. */
  readonly config: string;
  /** A talosconfig whose current context holds the Talos API CA and an os:admin client certificate. Secret. */
  readonly talosconfig: string;
  /** SHA-256 of the maintenance-mode certificate, as the node's console shows it. */
  readonly maintenanceFingerprint?: string;
  readonly timeoutSeconds: number;
  /** Identity of the machine behind `node` (e.g. the Proxmox VM id): a new machine needs a new first apply. */
  readonly machineId?: string;
  /** Leaf path -> keyed digest of its value (talos/machine-config/path-digests.ts); names what changes, never a value. */
  readonly configPaths?: Readonly<Record<string, string>>;
}

export interface ConfigApplyOutputs {
  readonly node: string;
  readonly machineId?: string;
  readonly endpoint?: string;
  /** SHA-256 of the applied config: the only thing diffs compare. */
  readonly configHash: string;
  /** The applied config's path digests, so the next update can say which paths it changes. */
  readonly configPaths?: Readonly<Record<string, string>>;
  /** How the last apply reached the node. */
  readonly appliedVia: ApplyPath;
  /** The mode the node chose for AUTO (REBOOT or NO_REBOOT). */
  readonly appliedMode: string;
  readonly warnings: readonly string[];
}

/** The inputs that decide whether the node needs an apply; the talosconfig only authenticates. */
export type ConfigApplyTarget = Pick<ConfigApplyInputs, "node" | "endpoint" | "config" | "machineId">;

/**
 * Inputs diff never reads: the talosconfig only authenticates (a renewed one changes nothing on the node); the
 * path digests only describe `config`, whose hash decides.
 */
export const CONFIG_APPLY_DIFF_IGNORES = ["talosconfig", "maintenanceFingerprint", "timeoutSeconds", "configPaths"];

function digestMap(raw: Record<string, unknown>): Record<string, string> | undefined {
  const value = raw.configPaths;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value) || !Object.values(value).every((d) => typeof d === "string")) {
    throw new Error(`${CONFIG_APPLY}: "configPaths" must be a map of config path to digest`);
  }
  return value as Record<string, string>;
}

export function configApplyTarget(raw: Record<string, unknown>): ConfigApplyTarget {
  return {
    node: requiredString(CONFIG_APPLY, raw, "node"),
    endpoint: optionalString(CONFIG_APPLY, raw, "endpoint"),
    config: requiredString(CONFIG_APPLY, raw, "config"),
    machineId: optionalString(CONFIG_APPLY, raw, "machineId"),
  };
}

export function configApplyInputs(raw: Record<string, unknown>): ConfigApplyInputs {
  return {
    ...configApplyTarget(raw),
    talosconfig: requiredString(CONFIG_APPLY, raw, "talosconfig"),
    configPaths: digestMap(raw),
    maintenanceFingerprint: optionalString(CONFIG_APPLY, raw, "maintenanceFingerprint"),
    timeoutSeconds: optionalNumber(CONFIG_APPLY, raw, "timeoutSeconds") ?? DEFAULT_TIMEOUT_SECONDS,
  };
}

export function configHash(config: string): string {
  return createHash("sha256").update(config).digest("hex");
}

/** The network side of applying, injected so create/update can be tested without a node. */
export interface ConfigApplyDeps {
  clientsFor(inputs: ConfigApplyInputs): NodeClients;
  applyFirst(clients: NodeClients, config: string, policy: RetryPolicy, log: ProgressLog): Promise<{ path: ApplyPath; response: ApplyConfigurationResponse }>;
  applyConfigured(clients: NodeClients, config: string, mode: ApplyMode, policy: RetryPolicy, log: ProgressLog): Promise<ApplyConfigurationResponse>;
  log: ProgressLog;
}

function summarize(inputs: ConfigApplyInputs, path: ApplyPath, response: ApplyConfigurationResponse): ConfigApplyOutputs {
  const replies = response.messages;
  return {
    node: inputs.node,
    ...(inputs.machineId === undefined ? {} : { machineId: inputs.machineId }),
    ...(inputs.endpoint === undefined ? {} : { endpoint: inputs.endpoint }),
    configHash: configHash(inputs.config),
    ...(inputs.configPaths === undefined ? {} : { configPaths: inputs.configPaths }),
    appliedVia: path,
    appliedMode: replies.map((reply) => reply.mode).join(",") || "AUTO",
    warnings: replies.flatMap((reply) => reply.warnings),
  };
}

const policyFor = (inputs: ConfigApplyInputs): RetryPolicy => ({ timeoutMs: inputs.timeoutSeconds * 1000 });

/** First apply: maintenance mode (insecure TLS, mode AUTO), or mutual TLS when the node is configured already. */
export async function createConfigApply(
  inputs: ConfigApplyInputs,
  deps: ConfigApplyDeps,
): Promise<{ id: string; outs: ConfigApplyOutputs }> {
  deps.log(`applying the machine config to node ${inputs.node} (maintenance mode, mode AUTO)`);
  const { path, response } = await deps.applyFirst(deps.clientsFor(inputs), inputs.config, policyFor(inputs), deps.log);
  const outs = summarize(inputs, path, response);
  deps.log(`node ${inputs.node} accepted the machine config via ${path} mode (${outs.appliedMode})`);
  for (const warning of outs.warnings) deps.log(`node ${inputs.node} warning: ${warning}`);
  return { id: randomUUID(), outs };
}

/** Later applies go over mutual TLS with mode AUTO (Talos reboots only when the change needs it). */
export async function updateConfigApply(
  inputs: ConfigApplyInputs,
  deps: ConfigApplyDeps,
  olds?: Pick<ConfigApplyOutputs, "configPaths">,
): Promise<{ outs: ConfigApplyOutputs }> {
  deps.log(`applying the changed machine config to node ${inputs.node} (mutual TLS, mode AUTO)`);
  if (olds?.configPaths !== undefined && inputs.configPaths !== undefined) {
    deps.log(`node ${inputs.node}: changed config paths: ${changedConfigPaths(olds.configPaths, inputs.configPaths).join(", ") || "none"}`);
  }
  const response = await deps.applyConfigured(deps.clientsFor(inputs), inputs.config, "AUTO", policyFor(inputs), deps.log);
  const outs = summarize(inputs, "configured", response);
  deps.log(`node ${inputs.node} applied the machine config (${outs.appliedMode})`);
  return { outs };
}

/**
 * Compares only what reaches the node: the config's hash, and the node itself (another node, or a new
 * machine behind the same address, is a new first apply). Credentials, timeouts and the fingerprint
 * change nothing on the node.
 */
export function diffConfigApply(olds: ConfigApplyOutputs, news: ConfigApplyTarget): pulumi.dynamic.DiffResult {
  const replaces = [
    ...(olds.node !== news.node ? ["node"] : []),
    ...((olds.machineId ?? "") !== (news.machineId ?? "") ? ["machineId"] : []),
  ];
  const configChanged = olds.configHash !== configHash(news.config);
  const endpointChanged = (olds.endpoint ?? "") !== (news.endpoint ?? "");
  return {
    changes: replaces.length > 0 || configChanged || endpointChanged,
    replaces,
    deleteBeforeReplace: false,
  };
}
