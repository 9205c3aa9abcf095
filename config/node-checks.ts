import type { ConfigIssue } from "./config-error";
import { contains, formatCidr, isIpv4, isNetworkOrBroadcast, parseCidr, type Ipv4Cidr } from "./ipv4";
import type { NodeConfigShape, StackConfigShape } from "./schema";

/** Talos minimums per role (memory in MiB). */
export const TALOS_MINIMUMS = {
  controlplane: { memory: 2048, cores: 2 },
  worker: { memory: 1024, cores: 1 },
} as const;

const MAC = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;
const MIN_DISK_GIB = 10;

export interface ResolvedAddress {
  readonly cidr: Ipv4Cidr;
  readonly gateway: string;
}

/** Resolves a node's address and gateway against network defaults, reporting what is missing or malformed. */
export function resolveAddress(
  node: NodeConfigShape,
  index: number,
  network: StackConfigShape["network"],
  issues: ConfigIssue[],
): ResolvedAddress | undefined {
  const at = `nodes[${index}]`;
  let cidr: Ipv4Cidr | undefined;
  if (node.ip.includes("/")) {
    cidr = parseCidr(node.ip);
    const subnet = network.subnet ? parseCidr(network.subnet) : undefined;
    if (cidr && subnet && !contains(subnet, cidr.address)) {
      issues.push({ path: `${at}.ip`, value: node.ip, problem: `is outside network.subnet ${network.subnet}`, fix: `use an address inside ${network.subnet}: all nodes share the bridge${network.vlan !== undefined ? "/VLAN" : ""}` });
      return undefined;
    }
  } else if (isIpv4(node.ip)) {
    const subnet = network.subnet ? parseCidr(network.subnet) : undefined;
    if (!subnet) {
      issues.push({ path: `${at}.ip`, value: node.ip, problem: "has no prefix length and network.subnet is not set", fix: `write it as ${node.ip}/24 (your prefix) or set network.subnet` });
      return undefined;
    }
    if (!contains(subnet, node.ip)) {
      issues.push({ path: `${at}.ip`, value: node.ip, problem: `is outside network.subnet ${network.subnet}`, fix: `use an address inside ${network.subnet}, or give the node its own prefix (e.g. ${node.ip}/24)` });
      return undefined;
    }
    cidr = { address: node.ip, prefix: subnet.prefix };
  }
  if (!cidr) {
    issues.push({ path: `${at}.ip`, value: node.ip, problem: "is not an IPv4 address with prefix", fix: "write it as a.b.c.d/prefix, e.g. 192.168.10.11/24" });
    return undefined;
  }
  const gateway = node.gateway ?? network.gateway;
  if (gateway === undefined) {
    issues.push({ path: `${at}.gateway`, problem: "no gateway is set for this node and network.gateway is empty", fix: "set network.gateway or the node's gateway" });
    return undefined;
  }
  const gatewayPath = node.gateway !== undefined ? `${at}.gateway` : "network.gateway";
  if (!isIpv4(gateway)) {
    issues.push({ path: gatewayPath, value: gateway, problem: "is not an IPv4 address", fix: "write it as a.b.c.d" });
    return undefined;
  }
  if (!contains(cidr, gateway)) {
    issues.push({ path: gatewayPath, value: gateway, problem: `is outside node "${node.name}"'s subnet ${formatCidr(cidr)}`, fix: "use a gateway inside the node's subnet or correct the node's prefix" });
  }
  if (isNetworkOrBroadcast(cidr, cidr.address)) {
    issues.push({ path: `${at}.ip`, value: node.ip, problem: "is the network or broadcast address of its subnet", fix: "pick a host address inside the subnet" });
  }
  if (cidr.address === gateway) {
    issues.push({ path: `${at}.ip`, value: node.ip, problem: "equals the gateway", fix: "give the node an address other than the gateway" });
  }
  return { cidr, gateway };
}

/** Memory, cores, disk, VMID and MAC checks for one node. */
export function checkNodeResources(node: NodeConfigShape, index: number, issues: ConfigIssue[]): void {
  const at = `nodes[${index}]`;
  const minimum = TALOS_MINIMUMS[node.role];
  if (node.memory < minimum.memory) {
    issues.push({ path: `${at}.memory`, value: node.memory, problem: `is below the Talos minimum for a ${node.role} (${minimum.memory} MiB)`, fix: `set memory to at least ${minimum.memory}` });
  }
  if (node.cores < minimum.cores) {
    issues.push({ path: `${at}.cores`, value: node.cores, problem: `is below the Talos minimum for a ${node.role} (${minimum.cores})`, fix: `set cores to at least ${minimum.cores}` });
  }
  if (node.diskSize < MIN_DISK_GIB) {
    issues.push({ path: `${at}.diskSize`, value: node.diskSize, problem: `is below the ${MIN_DISK_GIB} GiB Talos needs`, fix: `set diskSize to at least ${MIN_DISK_GIB}` });
  }
  if (node.vmId < 100 || node.vmId > 999_999_999) {
    issues.push({ path: `${at}.vmId`, value: node.vmId, problem: "is outside the Proxmox VMID range 100-999999999", fix: "pick an unused VMID of 100 or more" });
  }
  if (node.mac !== undefined && !MAC.test(node.mac)) {
    issues.push({ path: `${at}.mac`, value: node.mac, problem: "is not a MAC address", fix: "write it as six hex pairs, e.g. BC:24:11:00:00:01" });
  } else if (node.mac !== undefined && (parseInt(node.mac.slice(0, 2), 16) & 1) === 1) {
    issues.push({ path: `${at}.mac`, value: node.mac, problem: "is a multicast MAC address", fix: "use a unicast address (even first octet), e.g. BC:24:11:..." });
  }
}

/** Reports every value that appears on more than one node. */
export function checkDuplicates(nodes: readonly NodeConfigShape[], issues: ConfigIssue[]): void {
  const fields: Array<[keyof NodeConfigShape, (n: NodeConfigShape) => string | undefined, string]> = [
    ["name", (n) => n.name, "node names must be unique"],
    ["ip", (n) => n.ip.split("/")[0], "each node needs its own IP address"],
    ["mac", (n) => n.mac?.toLowerCase(), "each node needs its own MAC address (or leave mac unset)"],
    ["vmId", (n) => String(n.vmId), "each node needs its own Proxmox VMID"],
  ];
  for (const [field, key, fix] of fields) {
    const seen = new Map<string, number>();
    nodes.forEach((node, index) => {
      const value = key(node);
      if (value === undefined) return;
      const first = seen.get(value);
      if (first === undefined) {
        seen.set(value, index);
        return;
      }
      issues.push({ path: `nodes[${index}].${String(field)}`, value: node[field], problem: `duplicates nodes[${first}].${String(field)}`, fix });
    });
  }
}
