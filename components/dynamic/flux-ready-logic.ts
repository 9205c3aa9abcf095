/**
 * FluxReady: after `pulumi up` installed Flux and wrote the tree, wait (bounded, with progress) until the FluxInstance
 * is Ready and kustomize-controller has decrypted and applied every SOPS canary from Git: each canary Secret exists
 * with the value digest the tree was rendered with. On timeout the error carries the controllers' own condition
 * messages (FluxInstance, Kustomization), which say what is wrong (not pushed yet, decryption failed, ...).
 */
import { createHash, randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { optionalNumber, requiredString } from "./inputs";
import type { KubeResponse } from "./kube-client";
import type { Progress } from "./progress";

export const FLUX_READY = "FluxReady";

export interface SopsCanaryRef {
  /** The Flux Kustomization (in the Flux namespace) that applies the canary. */
  readonly kustomization: string;
  readonly namespace: string;
  readonly name: string;
  readonly key: string;
  /** `sha256:<hex>` of the value the tree holds. */
  readonly digest: string;
  /** Where the canary is in the Git tree (for messages). */
  readonly file: string;
}

export interface FluxReadyTarget {
  readonly namespace: string;
  readonly instance: string;
  readonly canaries: readonly SopsCanaryRef[];
}

export interface FluxReadyInputs extends FluxReadyTarget {
  readonly kubeconfig: string;
  /** The Git source Flux syncs from (for the hint when nothing has been applied yet). */
  readonly source: string;
  readonly timeoutSeconds: number;
  readonly pollSeconds: number;
}

export interface FluxReadyOutputs extends FluxReadyTarget {
  readonly readyAt: string;
}

/** Inputs diff never reads: a renewed kubeconfig or another timeout is no reason to wait again. */
export const FLUX_READY_DIFF_IGNORES = ["kubeconfig", "source", "timeoutSeconds", "pollSeconds"];

function canaryRefs(raw: Record<string, unknown>): SopsCanaryRef[] {
  const value = raw.canaries;
  if (!Array.isArray(value) || value.length === 0) throw new Error(`${FLUX_READY}: "canaries" must be a non-empty list`);
  return value.map((item: unknown, i) => {
    const ref = (item ?? {}) as Record<string, unknown>;
    const field = (name: string) => requiredString(`${FLUX_READY} canaries[${i}]`, ref, name);
    const digest = field("digest");
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`${FLUX_READY}: canaries[${i}].digest must be sha256:<64 hex digits>`);
    return { kustomization: field("kustomization"), namespace: field("namespace"), name: field("name"), key: field("key"), digest, file: field("file") };
  });
}

export function fluxReadyTarget(raw: Record<string, unknown>): FluxReadyTarget {
  return { namespace: requiredString(FLUX_READY, raw, "namespace"), instance: requiredString(FLUX_READY, raw, "instance"), canaries: canaryRefs(raw) };
}

export function fluxReadyInputs(raw: Record<string, unknown>): FluxReadyInputs {
  return {
    ...fluxReadyTarget(raw),
    kubeconfig: requiredString(FLUX_READY, raw, "kubeconfig"),
    source: requiredString(FLUX_READY, raw, "source"),
    timeoutSeconds: optionalNumber(FLUX_READY, raw, "timeoutSeconds") ?? 900,
    pollSeconds: optionalNumber(FLUX_READY, raw, "pollSeconds") ?? 10,
  };
}

/** One GET against the cluster's API (the admin kubeconfig's client certificate in the live provider). */
export type KubeGetter = (path: string) => Promise<KubeResponse>;

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** The Ready condition of a Flux object as `Ready=<status> (<reason>): <message>`, or undefined when Ready is True. */
function notReady(kind: string, name: string, body: string): string | undefined {
  const object = JSON.parse(body) as { status?: { conditions?: Condition[] } };
  const ready = object.status?.conditions?.find((c) => c.type === "Ready");
  if (ready?.status === "True") return undefined;
  if (ready === undefined) return `${kind} ${name}: no Ready condition yet (not reconciled)`;
  return `${kind} ${name}: Ready=${ready.status}${ready.reason ? ` (${ready.reason})` : ""}: ${ready.message ?? "no message"}`;
}

async function getObject(get: KubeGetter, path: string, what: string): Promise<{ found: true; body: string } | { found: false; failure: string }> {
  let response: KubeResponse;
  try {
    response = await get(path);
  } catch (err) {
    return { found: false, failure: `${what}: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (response.status === 404) return { found: false, failure: `${what}: not found` };
  if (response.status !== 200) return { found: false, failure: `${what}: HTTP ${response.status}: ${response.body.trim().slice(0, 300)}` };
  return { found: true, body: response.body };
}

export async function checkFluxInstance(inputs: FluxReadyInputs, get: KubeGetter): Promise<string[]> {
  const name = `${inputs.namespace}/${inputs.instance}`;
  const result = await getObject(get, `/apis/fluxcd.controlplane.io/v1/namespaces/${inputs.namespace}/fluxinstances/${inputs.instance}`, `FluxInstance ${name}`);
  if (!result.found) return [result.failure];
  const failure = notReady("FluxInstance", name, result.body);
  return failure === undefined ? [] : [failure];
}

function digestOf(base64: string): string {
  return `sha256:${createHash("sha256").update(Buffer.from(base64, "base64")).digest("hex")}`;
}

/** Why the canary is not (yet) the one in Git, or undefined when it is. Never includes the value. */
async function canaryProblem(canary: SopsCanaryRef, get: KubeGetter): Promise<string | undefined> {
  const what = `SOPS canary Secret ${canary.namespace}/${canary.name} (${canary.file})`;
  const result = await getObject(get, `/api/v1/namespaces/${canary.namespace}/secrets/${canary.name}`, what);
  if (!result.found) return result.failure.endsWith(": not found") ? `${what}: not applied yet` : result.failure;
  const data = (JSON.parse(result.body) as { data?: Record<string, string> }).data?.[canary.key];
  if (data === undefined) return `${what}: has no "${canary.key}" entry`;
  const digest = digestOf(data);
  if (digest !== canary.digest) return `${what}: holds another value (${digest}, the tree has ${canary.digest}): Flux has not applied this revision of the tree yet`;
  return undefined;
}

/** The Kustomization's own condition, to explain a canary that is missing or stale. */
async function kustomizationStatus(inputs: FluxReadyInputs, name: string, get: KubeGetter): Promise<string> {
  const what = `Kustomization ${inputs.namespace}/${name}`;
  const result = await getObject(get, `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${inputs.namespace}/kustomizations/${name}`, what);
  if (!result.found) return `${result.failure} (the root sync has not applied ${name}.yaml from ${inputs.source} yet)`;
  return notReady("Kustomization", `${inputs.namespace}/${name}`, result.body) ?? `${what}: Ready`;
}

export async function checkCanaries(inputs: FluxReadyInputs, get: KubeGetter): Promise<string[]> {
  const failures: string[] = [];
  for (const canary of inputs.canaries) {
    const problem = await canaryProblem(canary, get);
    if (problem !== undefined) failures.push(`${problem}; ${await kustomizationStatus(inputs, canary.kustomization, get)}`);
  }
  return failures;
}

export async function fluxFailures(inputs: FluxReadyInputs, get: KubeGetter): Promise<string[]> {
  return [...(await checkFluxInstance(inputs, get)), ...(await checkCanaries(inputs, get))];
}

export interface FluxClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Polls until Flux is Ready and every canary is applied; on timeout the error lists every failing check. */
export async function waitForFlux(inputs: FluxReadyInputs, get: KubeGetter, clock: FluxClock, log: Progress): Promise<void> {
  const start = clock.now();
  const deadline = start + inputs.timeoutSeconds * 1000;
  for (let round = 1; ; round++) {
    const failures = await fluxFailures(inputs, get);
    const elapsed = Math.round((clock.now() - start) / 1000);
    if (failures.length === 0) {
      log(`Flux ready after ${elapsed}s: FluxInstance ${inputs.namespace}/${inputs.instance} Ready, ${inputs.canaries.length} SOPS canaries decrypted and applied`);
      return;
    }
    if (clock.now() >= deadline) {
      throw new Error(
        `${FLUX_READY}: Flux is not ready after ${inputs.timeoutSeconds}s; failing checks:\n` +
          failures.map((failure) => `  - ${failure}`).join("\n") +
          `\nFlux applies the tree from ${inputs.source}: commit and push the rendered tree, then run pulumi up again ` +
          "(or set talos-homelab:flux.readyTimeoutSeconds to 0 to skip this wait).",
      );
    }
    log(`waiting for Flux (${elapsed}s of ${inputs.timeoutSeconds}s, round ${round}): ${failures.length} check(s) failing; first: ${failures[0]}`);
    await clock.sleep(Math.min(inputs.pollSeconds * 1000, Math.max(0, deadline - clock.now())));
  }
}

export async function createFluxReady(inputs: FluxReadyInputs, get: KubeGetter, clock: FluxClock, log: Progress): Promise<{ id: string; outs: FluxReadyOutputs }> {
  await waitForFlux(inputs, get, clock, log);
  const { namespace, instance, canaries } = inputs;
  return { id: randomUUID(), outs: { namespace, instance, canaries, readyAt: new Date(clock.now()).toISOString() } };
}

const key = (target: FluxReadyTarget) => JSON.stringify([target.namespace, target.instance, target.canaries.map((c) => [c.kustomization, c.namespace, c.name, c.key, c.digest])]);

/** Waits again when the canaries change (a new cluster identity gives new values), not on credentials or timeouts. */
export function diffFluxReady(olds: FluxReadyTarget, news: FluxReadyTarget): pulumi.dynamic.DiffResult {
  return { changes: key(olds) !== key(news), replaces: [], deleteBeforeReplace: false };
}
