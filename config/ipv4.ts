/** Minimal IPv4 arithmetic for validating node addressing. */
export interface Ipv4Cidr {
  readonly address: string;
  readonly prefix: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function isIpv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((p) => OCTET.test(p));
}

export function ipv4ToInt(text: string): number {
  return text.split(".").reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function intToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join(".");
}

/** Parses "a.b.c.d/nn"; returns undefined when malformed. */
export function parseCidr(text: string): Ipv4Cidr | undefined {
  const [address, prefixText, extra] = text.split("/");
  if (extra !== undefined || address === undefined || prefixText === undefined) return undefined;
  if (!isIpv4(address) || !/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= 32 ? { address, prefix } : undefined;
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function networkOf(cidr: Ipv4Cidr): number {
  return (ipv4ToInt(cidr.address) & mask(cidr.prefix)) >>> 0;
}

export function contains(cidr: Ipv4Cidr, ip: string): boolean {
  return ((ipv4ToInt(ip) & mask(cidr.prefix)) >>> 0) === networkOf(cidr);
}

/** True when `ip` is the network or broadcast address of `cidr` (prefixes up to /30). */
export function isNetworkOrBroadcast(cidr: Ipv4Cidr, ip: string): boolean {
  if (cidr.prefix > 30) return false;
  const value = ipv4ToInt(ip);
  const network = networkOf(cidr);
  const broadcast = (network | ~mask(cidr.prefix)) >>> 0;
  return value === network || value === broadcast;
}

export function formatCidr(cidr: Ipv4Cidr): string {
  return `${cidr.address}/${cidr.prefix}`;
}
