import { contractFor, type Contract } from "../talos/contract";
import { REDACTED_IDENTITY, ageRecipientProblem, looksLikeAgeIdentity, shownAgeValue } from "../sops/index";
import type { ConfigIssue } from "./config-error";
import { contains, formatCidr, intToIpv4, isIpv4, isNetworkOrBroadcast, networkOf, parseCidr } from "./ipv4";
import type { ResolvedAddress } from "./node-checks";
import type { StackConfigShape } from "./schema";

const KUBERNETES_VERSION = /^v?(\d+)\.(\d+)\.(\d+)$/;

export function checkContract(config: StackConfigShape, issues: ConfigIssue[]): Contract | undefined {
  try {
    return contractFor(config.talosVersion);
  } catch (err) {
    issues.push({ path: "talosVersion", value: config.talosVersion, problem: "is not a supported Talos version contract", fix: (err as Error).message });
    return undefined;
  }
}

export function checkKubernetesVersion(config: StackConfigShape, issues: ConfigIssue[]): void {
  if (config.kubernetesVersion !== undefined && !KUBERNETES_VERSION.test(config.kubernetesVersion)) {
    issues.push({ path: "kubernetesVersion", value: config.kubernetesVersion, problem: "is not a Kubernetes version", fix: "write it as 1.34.1 (or v1.34.1), or remove it to use the Talos default" });
  }
}

/** Control-plane count, VIP placement and endpoint. */
export function checkControlPlane(
  config: StackConfigShape,
  addresses: ReadonlyMap<string, ResolvedAddress>,
  issues: ConfigIssue[],
  warnings: string[],
): void {
  const controlPlanes = config.nodes.filter((n) => n.role === "controlplane");
  if (controlPlanes.length === 0) {
    issues.push({ path: "nodes", problem: "has no node with role controlplane", fix: "add at least one node with role: controlplane (three for a highly available etcd)" });
  } else if (controlPlanes.length % 2 === 0) {
    warnings.push(`nodes: ${controlPlanes.length} control planes is an even number; etcd quorum tolerates no more failures than with ${controlPlanes.length - 1}. Use an odd number (1, 3 or 5).`);
  }
  const vip = config.controlPlane.vip;
  if (!isIpv4(vip)) {
    issues.push({ path: "controlPlane.vip", value: vip, problem: "is not an IPv4 address", fix: "set a free address in the control-plane subnet, e.g. 192.168.10.10" });
    return;
  }
  config.nodes.forEach((node, index) => {
    if (addresses.get(node.name)?.cidr.address === vip) {
      issues.push({ path: `nodes[${index}].ip`, value: node.ip, problem: "equals the control-plane VIP", fix: "the VIP must be an address no node uses" });
    }
    if (addresses.get(node.name)?.gateway === vip) {
      issues.push({ path: "controlPlane.vip", value: vip, problem: "equals the gateway", fix: "pick a free address for the VIP" });
    }
  });
  const subnet = config.network.subnet !== undefined ? parseCidr(config.network.subnet) : undefined;
  const edge = [subnet, ...controlPlanes.map((n) => addresses.get(n.name)?.cidr)].find((c) => c !== undefined && isNetworkOrBroadcast(c, vip));
  if (edge !== undefined) {
    issues.push({ path: "controlPlane.vip", value: vip, problem: `is the network or broadcast address of ${formatCidr({ address: intToIpv4(networkOf(edge)), prefix: edge.prefix })}`, fix: "pick a free host address inside the control planes' subnet" });
  }
  for (const node of controlPlanes) {
    const address = addresses.get(node.name);
    if (address && !contains(address.cidr, vip)) {
      issues.push({ path: "controlPlane.vip", value: vip, problem: `is outside control plane "${node.name}"'s subnet ${formatCidr(address.cidr)}`, fix: "a Layer-2 VIP must be in the control planes' subnet" });
      break;
    }
  }
  checkEndpoint(config.controlPlane.endpoint, issues);
}

function checkEndpoint(endpoint: string | undefined, issues: ConfigIssue[]): void {
  if (endpoint === undefined) return;
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== "https:" || url.port === "" || (url.pathname !== "/" && url.pathname !== "")) {
    issues.push({ path: "controlPlane.endpoint", value: endpoint, problem: "must be an https URL with an explicit port and no path", fix: "write it as https://<vip or name>:6443, or remove it to use https://<vip>:6443" });
  }
}

export function checkSecurity(config: StackConfigShape, issues: ConfigIssue[]): void {
  if (config.security.tpmDiskEncryption && !config.security.secureBoot) {
    issues.push({ path: "security.secureBoot", value: false, problem: "is off while security.tpmDiskEncryption is on; TPM-sealed keys need the SecureBoot UKI's PCR signing key", fix: "turn security.secureBoot on, or set security.tpmDiskEncryption: false (the volumes then use a weaker nodeID key)" });
  }
}

export function checkAgeRecipients(config: StackConfigShape, issues: ConfigIssue[]): void {
  config.ageRecipients.forEach((recipient, index) => {
    const problem = ageRecipientProblem(recipient);
    if (problem) {
      issues.push({ path: `ageRecipients[${index}]`, value: shownAgeValue(recipient), problem, fix: "use the public recipient printed by `npx talos-homelab age keygen` or `age-keygen -y`" });
    }
  });
}

/** https://host/path or ssh://user@host/path (scp-like git@host:path is not accepted by Flux). */
export function gitTransport(url: string): "https" | "ssh" | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "https:" && parsed.hostname) return "https";
    if (parsed.protocol === "ssh:" && parsed.hostname) return "ssh";
  } catch {
    return undefined;
  }
  return undefined;
}

/** Query or fragment parameter names that carry credentials (`?token=`, `?access_token=`, `#private_token=`...). */
const CREDENTIAL_PARAM = /token|pass|secret|auth|key|sig|credential|session/i;
/** Provider token formats (GitHub, GitLab, Bitbucket app passwords, JWTs). */
const TOKEN_TEXT = /gh[pousr]_[A-Za-z0-9]{10,}|github_pat_[A-Za-z0-9_]{10,}|glpat-[A-Za-z0-9_-]{10,}|ATBB[A-Za-z0-9]{16,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+/;

/**
 * Where a URL carries a credential, `undefined` when it carries none. Any userinfo of an https URL (a token may be
 * the user name), a password of an ssh URL (the SSH user `git` is no credential), a credential-like query or
 * fragment parameter, or a provider token anywhere would sit in plaintext in the stack file, the state and the
 * committed manifests.
 */
function urlCredential(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return TOKEN_TEXT.test(text) ? "a token" : undefined;
  }
  if (url.password !== "") return "a password";
  if (url.username !== "" && url.protocol !== "ssh:") return "a user name (tokens are often passed as one)";
  if (url.username !== "" && TOKEN_TEXT.test(url.username)) return "a token as the user name";
  for (const part of [url.search.slice(1), url.hash.slice(1)]) {
    for (const [name] of new URLSearchParams(part)) if (CREDENTIAL_PARAM.test(name)) return `a credential-like parameter "${name}"`;
  }
  if (TOKEN_TEXT.test(decodeURIComponent(url.pathname + url.search + url.hash))) return "a token";
  return undefined;
}

/** The URL with userinfo, query and fragment values replaced: safe to print. */
export function redactedUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "(redacted: not a URL)";
  }
  if (url.username !== "") url.username = url.protocol === "ssh:" && !TOKEN_TEXT.test(url.username) ? url.username : "REDACTED";
  if (url.password !== "") url.password = "REDACTED";
  const redactParams = (part: string): string => {
    const params = new URLSearchParams(part);
    for (const name of [...new Set(params.keys())]) params.set(name, "REDACTED");
    return params.toString();
  };
  if (url.search !== "") url.search = redactParams(url.search.slice(1));
  if (url.hash !== "") url.hash = url.hash.includes("=") ? redactParams(url.hash.slice(1)) : "REDACTED";
  url.pathname = url.pathname.replace(new RegExp(TOKEN_TEXT.source, "g"), "REDACTED");
  return url.toString();
}

export function checkFlux(config: StackConfigShape, issues: ConfigIssue[]): void {
  const url = config.flux.url;
  const credential = urlCredential(url);
  if (credential !== undefined) {
    issues.push({
      path: "flux.url",
      value: redactedUrl(url),
      problem: `holds a credential in the URL (${credential})`,
      fix: "remove it from the URL and set it with `pulumi config set --secret talos-homelab:gitToken` (or TALOS_HOMELAB_GIT_TOKEN)",
    });
  }
  if (!gitTransport(url)) {
    const scpLike = /^[\w.-]+@[\w.-]+:/.test(url);
    issues.push({
      path: "flux.url",
      value: credential !== undefined ? redactedUrl(url) : url,
      problem: "is neither an https:// nor an ssh:// Git URL",
      fix: scpLike ? `write it as ssh://${url.replace(":", "/")}` : "use https://host/owner/repo.git or ssh://git@host/owner/repo.git",
    });
  }
  if (config.flux.path?.startsWith("/") || config.flux.path?.includes("..")) {
    issues.push({ path: "flux.path", value: config.flux.path, problem: "must be a relative path inside the repository", fix: `e.g. clusters/${config.clusterName}` });
  }
}

/** The pins `render` writes: a recipient, and `sha256:` + 64 hex digits. */
export function checkPins(config: StackConfigShape, issues: ConfigIssue[]): void {
  const recipient = config.clusterAgeRecipient;
  const problem = recipient !== undefined ? ageRecipientProblem(recipient) : undefined;
  if (recipient !== undefined && problem !== undefined) {
    issues.push({ path: "clusterAgeRecipient", value: looksLikeAgeIdentity(recipient) ? REDACTED_IDENTITY : recipient, problem, fix: "set it to the recipient `talos-homelab render` printed for the cluster identity, or remove it" });
  }
  const fingerprint = config.machineSecretsFingerprint;
  if (fingerprint !== undefined && !/^sha256:[0-9a-f]{64}$/.test(fingerprint)) {
    issues.push({ path: "machineSecretsFingerprint", value: fingerprint, problem: "is not a sha256:<64 hex digits> fingerprint", fix: "set it to the fingerprint `talos-homelab render` printed, or remove it" });
  }
}

/** `network.subnet` must be a network in CIDR form (`192.168.10.0/24`), not an address or a host inside it. */
export function checkSubnet(config: StackConfigShape, issues: ConfigIssue[]): void {
  const text = config.network.subnet;
  if (text === undefined) return;
  const cidr = parseCidr(text);
  if (cidr === undefined) {
    issues.push({ path: "network.subnet", value: text, problem: "is not an IPv4 CIDR (address/prefix, prefix 0-32)", fix: "write it as the network and its prefix length, e.g. 192.168.10.0/24, or remove it" });
    return;
  }
  const network = intToIpv4(networkOf(cidr));
  if (network !== cidr.address) {
    issues.push({ path: "network.subnet", value: text, problem: "has host bits set: it is an address inside a network, not the network", fix: `write it as ${network}/${cidr.prefix}` });
  }
}

export function checkProxmox(config: StackConfigShape, issues: ConfigIssue[]): void {
  const endpoint = config.proxmox.endpoint;
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (url && (url.password !== "" || url.username !== "")) {
    issues.push({ path: "proxmox.endpoint", value: `${url.protocol}//${url.host}${url.pathname}`, problem: "holds credentials in the URL", fix: "remove them and set the API token with `pulumi config set --secret talos-homelab:proxmoxApiToken` (or PROXMOX_VE_API_TOKEN)" });
  } else if (!url || url.protocol !== "https:") {
    issues.push({ path: "proxmox.endpoint", value: endpoint, problem: "is not an https URL", fix: "write it as https://<proxmox host>:8006/" });
  } else if (url.pathname.includes("api2")) {
    issues.push({ path: "proxmox.endpoint", value: endpoint, problem: "must not include the API path", fix: `use ${url.origin}/ (the provider appends /api2/json)` });
  }
  if (config.network.vlan !== undefined && (config.network.vlan < 1 || config.network.vlan > 4094)) {
    issues.push({ path: "network.vlan", value: config.network.vlan, problem: "is outside the VLAN range 1-4094", fix: "use a VLAN id from 1 to 4094, or remove it for an untagged bridge" });
  }
  config.network.nameservers.forEach((ns, index) => {
    if (!isIpv4(ns)) issues.push({ path: `network.nameservers[${index}]`, value: ns, problem: "is not an IPv4 address", fix: "list resolver IP addresses, e.g. 1.1.1.1" });
  });
}
