import type { NodeSpec } from "../types";
import { isV1Alpha1 } from "../patches/document-id";
import { type ConfigDocument, type YamlMap, type YamlValue, isYamlMap } from "../patches/yaml-value";

const at = (value: YamlValue | undefined, ...path: string[]): YamlValue | undefined =>
  path.reduce<YamlValue | undefined>((node, key) => (isYamlMap(node) ? node[key] : undefined), value);
const mapsIn = (value: YamlValue | undefined): YamlMap[] => (Array.isArray(value) ? value.filter(isYamlMap) : []);
const nonEmpty = (value: YamlValue | undefined): boolean => value !== undefined && value !== null && value !== "";

/**
 * The rules Talos applies to a finished config that user patches can break, checked before anything
 * reaches a node; each message names the node, the field and the fix.
 */
export function renderedConfigProblems(docs: readonly ConfigDocument[], node: NodeSpec): string[] {
  const problems: string[] = [];
  const where = `node "${node.name}" (${node.role})`;
  const main = docs.find(isV1Alpha1);
  if (main === undefined) return [`${where}: a patch removed the v1alpha1 machine config document: remove that $patch: delete`];

  if (node.role === "worker") {
    const interfaces = mapsIn(at(main, "machine", "network", "interfaces"));
    const vipOnInterface = interfaces.some((i) => i.vip !== undefined || mapsIn(i.vlans).some((v) => v.vip !== undefined));
    if (vipOnInterface || docs.some((d) => d.kind === "Layer2VIPConfig")) {
      problems.push(`${where}: a Layer-2 VIP is not allowed on workers (.machine.network.interfaces[].vip or Layer2VIPConfig): remove it from the worker's patches; the VIP lives on control planes only`);
    }
    if (nonEmpty(at(main, "machine", "ca", "key"))) {
      problems.push(`${where}: .machine.ca.key (the Talos API CA key) is not allowed on workers: remove it from the worker's patches`);
    }
    if (nonEmpty(at(main, "cluster", "ca", "key"))) {
      problems.push(`${where}: .cluster.ca.key (the Kubernetes CA key) is not allowed on workers: remove it from the worker's patches`);
    }
    if (at(main, "cluster", "etcd") !== undefined) {
      problems.push(`${where}: .cluster.etcd is only allowed on control planes: remove it from the worker's patches`);
    }
  }

  const install = at(main, "machine", "install");
  const unattended = docs.find((d) => d.kind === "UnattendedInstallConfig");
  if (unattended !== undefined) {
    if (!nonEmpty(at(unattended, "provisioning", "diskSelector", "match"))) {
      problems.push(`${where}: UnattendedInstallConfig needs provisioning.diskSelector.match (metal mode installs): set installDisk, e.g. /dev/sda`);
    }
  } else if (!nonEmpty(at(install, "disk")) && !isYamlMap(at(install, "diskSelector"))) {
    problems.push(`${where}: .machine.install needs a disk or a diskSelector (metal mode installs): set installDisk, e.g. /dev/sda`);
  }
  if (at(main, "persist") === false) problems.push(`${where}: .persist must be true: remove the patch that sets persist: false`);

  for (const doc of docs.filter((d) => d.kind === "HostnameConfig")) {
    if (nonEmpty(doc.hostname) && doc.auto !== undefined && doc.auto !== "off") {
      problems.push(`${where}: HostnameConfig sets both auto: ${String(doc.auto)} and hostname: ${String(doc.hostname)}: set auto: "off" with a hostname, or drop the hostname`);
    }
  }

  for (const doc of docs.filter((d) => d.kind === "VolumeConfig")) {
    const name = String(doc.name);
    const keys = mapsIn(at(doc, "encryption", "keys"));
    if (name === "STATE" && keys.some((k) => k.lockToState === true)) {
      problems.push(`${where}: VolumeConfig STATE cannot use lockToState keys (the salt lives in STATE): remove lockToState from the STATE key`);
    }
    const slots = keys.map((k) => k.slot);
    if (new Set(slots).size !== slots.length) {
      problems.push(`${where}: VolumeConfig ${name} uses an encryption key slot twice: give every key its own slot`);
    }
    const legacy = at(main, "machine", "systemDiskEncryption", name.toLowerCase());
    if (isYamlMap(legacy) && at(doc, "encryption") !== undefined) {
      problems.push(`${where}: ${name} is encrypted both by .machine.systemDiskEncryption.${name.toLowerCase()} and by VolumeConfig ${name}: keep only the VolumeConfig`);
    }
  }
  return problems;
}
