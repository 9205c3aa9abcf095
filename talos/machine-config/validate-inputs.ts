import { isIP } from "node:net";
import type { ClusterSpec, NodeSpec } from "../types";

const HOSTNAME_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const K8S_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** Checks the cluster endpoint the way `talosctl gen config` does: an https URL with an explicit port. */
export function endpointProblem(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `cluster endpoint "${endpoint}" is not a URL: write it as https://<vip>:6443`;
  }
  if (url.protocol !== "https:") {
    return `cluster endpoint "${endpoint}" must use https (Talos refuses ${url.protocol.replace(":", "")}): write it as https://${url.hostname}:6443`;
  }
  if (!/^https:\/\/(\[[^\]]+\]|[^/:]+):\d+\/?$/.test(endpoint)) {
    return `cluster endpoint "${endpoint}" must have an explicit port and no path: write it as https://${url.hostname}:6443`;
  }
  return undefined;
}

function ipv4Cidr(value: string): boolean {
  const [ip, prefix, ...rest] = value.split("/");
  return rest.length === 0 && isIP(ip) === 4 && prefix !== undefined && /^\d+$/.test(prefix) && Number(prefix) <= 32;
}

function ipv4ToInt(ip: string): number {
  return ip.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

function sameSubnet(cidr: string, ip: string): boolean {
  const [addr, prefix] = cidr.split("/");
  const bits = Number(prefix);
  if (bits === 0) return true;
  const mask = 2 ** 32 - 2 ** (32 - bits);
  const net = (n: number): number => n - (n % 2 ** (32 - bits));
  return mask > 0 && net(ipv4ToInt(addr)) === net(ipv4ToInt(ip));
}

/** Every problem with the cluster-wide inputs, each naming the field, the value and the fix. */
export function clusterSpecProblems(cluster: ClusterSpec): string[] {
  const problems: string[] = [];
  if (!HOSTNAME_LABEL.test(cluster.clusterName)) {
    problems.push(
      `clusterName "${cluster.clusterName}" is not a valid name: use lower-case letters, digits and "-" (at most 63 characters, e.g. "homelab")`,
    );
  }
  const endpoint = endpointProblem(cluster.endpoint);
  if (endpoint !== undefined) problems.push(endpoint);
  if (!K8S_VERSION.test(cluster.kubernetesVersion)) {
    problems.push(
      `kubernetesVersion "${cluster.kubernetesVersion}" is not a version: write it as <major>.<minor>.<patch> without "v", e.g. ${cluster.contract.defaultKubernetesVersion}`,
    );
  }
  if (isIP(cluster.vip) !== 4) problems.push(`vip "${cluster.vip}" is not an IPv4 address: use a free address in the nodes' subnet, e.g. 192.168.10.10`);
  cluster.nameservers.forEach((ns, i) => {
    if (isIP(ns) === 0) problems.push(`nameservers[${i}] "${ns}" is not an IP address: write it as e.g. 1.1.1.1`);
  });
  cluster.certSANs.forEach((san, i) => {
    if (san.trim() === "" || /\s/.test(san)) problems.push(`certSANs[${i}] "${san}" is not a DNS name or IP address: remove it or fix it`);
  });
  if (!/^\/dev\/[A-Za-z0-9/_-]+$/.test(cluster.installDisk)) {
    problems.push(`installDisk "${cluster.installDisk}" is not a device path: use e.g. /dev/sda (VirtIO SCSI) or /dev/vda (VirtIO block)`);
  }
  if (!/^[^\s:/]+(\/[^\s:/]+)+:[^\s:]+$/.test(cluster.installerImage)) {
    problems.push(
      `installerImage "${cluster.installerImage}" is not an image reference: use factory.talos.dev/nocloud-installer-secureboot/<schematic>:${cluster.contract.talosVersion}`,
    );
  }
  return problems;
}

/** Every problem with one node's inputs. */
export function nodeSpecProblems(cluster: ClusterSpec, node: NodeSpec): string[] {
  const problems: string[] = [];
  const where = `node "${node.name}"`;
  if (!HOSTNAME_LABEL.test(node.name)) {
    problems.push(`${where}: name is used as the hostname and must be lower-case letters, digits and "-" (at most 63 characters)`);
  }
  if (!ipv4Cidr(node.address)) {
    problems.push(`${where}: address "${node.address}" must be an IPv4 address with prefix length, e.g. 192.168.10.11/24`);
  } else {
    if (isIP(node.gateway) !== 4) {
      problems.push(`${where}: gateway "${node.gateway}" is not an IPv4 address: use the router of ${node.address}`);
    } else if (!sameSubnet(node.address, node.gateway)) {
      problems.push(`${where}: gateway "${node.gateway}" is outside ${node.address}: use a router inside the node's subnet`);
    }
    if (node.address.split("/")[0] === cluster.vip) {
      problems.push(`${where}: address "${node.address}" is the cluster VIP: give the node its own address`);
    }
  }
  if (node.mac !== undefined && !MAC.test(node.mac)) {
    problems.push(`${where}: mac "${node.mac}" must be six lower-case hex pairs separated by ":", e.g. bc:24:11:00:00:01`);
  }
  return problems;
}
