/**
 * The stand-in's Node and Pod objects for the day-2 roll-out (TalosNodeUpgrade, TalosNodeMembership):
 *
 *   GET    /api/v1/nodes/<name>                      Ready condition, status.nodeInfo.kubeletVersion, spec.unschedulable
 *   PATCH  /api/v1/nodes/<name>                      merge patch of spec.unschedulable (cordon)
 *   DELETE /api/v1/nodes/<name>
 *   GET    /api/v1/pods?fieldSelector=spec.nodeName=<name>
 *   POST   /api/v1/namespaces/<ns>/pods/<name>/eviction  (429 while the pod is listed in the control file's pdbBlocked)
 *
 * A node is Ready once its fake apid recorded a Bootstrap (any node's, as before) or --ready was given, and not while
 * it "reboots": for --reboot-seconds after its fake apid recorded an accepted Upgrade, and never after a Reset. Its
 * kubelet version is the tag of the kubelet image in the last config its fake apid accepted (--kubelet-version before
 * any). A JSON control file (--control) read on every request can hold {"notReady": [names], "pdbBlocked": ["ns/name"]}.
 */
import { existsSync, readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

export interface StandinPod {
  namespace: string;
  name: string;
  node: string;
  daemonSet: boolean;
}

export interface ApidRecord {
  method: string;
  code: string;
  request: { data?: string } | null;
}

export interface NodeSources {
  /** Node name -> its fake apid's record file. */
  readonly records: ReadonlyMap<string, string>;
  readonly rebootSeconds: number;
  readonly defaultKubelet: string;
  readonly control?: string;
}

interface Control {
  notReady?: string[];
  pdbBlocked?: string[];
}

function records(file: string | undefined): ApidRecord[] {
  if (file === undefined || !existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as ApidRecord);
}

/** The kubelet image tag of a config: KubeletConfig.image (1.14) or machine.kubelet.image (v1alpha1). */
function kubeletTag(data: string): string | undefined {
  const docs = parseAllDocuments(Buffer.from(data, "base64").toString("utf8")).map((d) => d.toJS() as Record<string, unknown> | null);
  for (const doc of docs) {
    const image =
      (doc?.kind === "KubeletConfig" ? (doc.image as string | undefined) : undefined) ??
      ((doc?.machine as { kubelet?: { image?: string } } | undefined)?.kubelet?.image);
    if (image !== undefined) return image.slice(image.lastIndexOf(":") + 1);
  }
  return undefined;
}

export class StandinNodes {
  private readonly deleted = new Set<string>();
  private readonly cordoned = new Set<string>();
  /** Node -> when the stand-in first saw its n-th accepted Upgrade (ms). */
  private readonly upgradesSeen = new Map<string, number[]>();

  constructor(
    private readonly sources: NodeSources,
    private pods: StandinPod[],
    private readonly bootstrapped: () => boolean,
  ) {}

  private control(): Control {
    const file = this.sources.control;
    return file !== undefined && existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Control) : {};
  }

  /** Called on a timer: notes new accepted Upgrades so a reboot window starts when the call happened. */
  poll(now: number): void {
    for (const [name, file] of this.sources.records) {
      const count = records(file).filter((r) => r.method === "/machine.MachineService/Upgrade" && r.code === "OK").length;
      const seen = this.upgradesSeen.get(name) ?? [];
      while (seen.length < count) seen.push(now);
      this.upgradesSeen.set(name, seen);
    }
  }

  private rebooting(name: string, now: number): boolean {
    const last = this.upgradesSeen.get(name)?.at(-1);
    return last !== undefined && now - last < this.sources.rebootSeconds * 1000;
  }

  private wasReset(name: string): boolean {
    return records(this.sources.records.get(name)).some((r) => r.method === "/machine.MachineService/Reset" && r.code === "OK");
  }

  private kubelet(name: string): string {
    const applies = records(this.sources.records.get(name)).filter((r) => r.method === "/machine.MachineService/ApplyConfiguration" && r.code === "OK");
    for (const apply of applies.reverse()) {
      const tag = apply.request?.data === undefined ? undefined : kubeletTag(apply.request.data);
      if (tag !== undefined) return tag;
    }
    return this.sources.defaultKubelet;
  }

  exists(name: string): boolean {
    return this.sources.records.has(name) && !this.deleted.has(name);
  }

  node(name: string, now: number): Record<string, unknown> {
    const reason = !this.bootstrapped()
      ? "not bootstrapped"
      : this.wasReset(name)
        ? "the node was reset"
        : this.rebooting(name, now)
          ? "rebooting after an upgrade"
          : (this.control().notReady ?? []).includes(name)
            ? "told not to be Ready by the test's control file"
            : undefined;
    const condition =
      reason === undefined
        ? { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" }
        : { type: "Ready", status: "Unknown", reason: "NodeStatusUnknown", message: `Kubelet stopped posting node status (${reason})` };
    return {
      kind: "Node",
      apiVersion: "v1",
      metadata: { name },
      spec: this.cordoned.has(name) ? { unschedulable: true } : {},
      status: { conditions: [condition], nodeInfo: { kubeletVersion: this.kubelet(name) } },
    };
  }

  cordon(name: string): void {
    this.cordoned.add(name);
  }

  delete(name: string): void {
    this.deleted.add(name);
  }

  podsOn(name: string): Record<string, unknown>[] {
    return this.pods
      .filter((p) => p.node === name)
      .map((p) => ({
        metadata: { namespace: p.namespace, name: p.name, ...(p.daemonSet ? { ownerReferences: [{ kind: "DaemonSet", name: p.name.split("-")[0] }] } : {}) },
        spec: { nodeName: p.node },
        status: { phase: "Running" },
      }));
  }

  /** 201 evicted, 404 no such pod, 429 blocked by the control file's pdbBlocked. */
  evict(namespace: string, name: string): number {
    if (!this.pods.some((p) => p.namespace === namespace && p.name === name)) return 404;
    if ((this.control().pdbBlocked ?? []).includes(`${namespace}/${name}`)) return 429;
    this.pods = this.pods.filter((p) => !(p.namespace === namespace && p.name === name));
    return 201;
  }
}

/** `--pods ns/name@node[:ds],...` */
export function parsePods(spec: string | undefined): StandinPod[] {
  if (spec === undefined || spec === "") return [];
  return spec.split(",").map((item) => {
    const m = /^([^/]+)\/([^@]+)@([^:]+)(:ds)?$/.exec(item);
    if (!m) throw new Error(`kube-standin: --pods entry "${item}" is not ns/name@node[:ds]`);
    return { namespace: m[1] as string, name: m[2] as string, node: m[3] as string, daemonSet: m[4] !== undefined };
  });
}
