import { isIPv6 } from "node:net";

/** Port of apid (and of the maintenance service). */
export const TALOS_API_PORT = 50000;

/**
 * The gRPC target for a Talos endpoint: `host`, `host:port`, `[v6]:port` or a bare IPv6 address;
 * a missing port means 50000, as in talosconfig.
 */
export function talosTarget(endpoint: string): string {
  const trimmed = endpoint.trim();
  if (trimmed === "") throw new Error("Talos endpoint is empty: give a node IP or host name, e.g. 192.168.10.11");
  if (isIPv6(trimmed)) return `[${trimmed}]:${TALOS_API_PORT}`;
  if (/^\[.+\]:\d+$/.test(trimmed) || /^[^:]+:\d+$/.test(trimmed)) return trimmed;
  if (/^\[.+\]$/.test(trimmed)) return `${trimmed}:${TALOS_API_PORT}`;
  if (trimmed.includes(":")) {
    throw new Error(`Talos endpoint "${endpoint}" is not host, host:port or an IP address`);
  }
  return `${trimmed}:${TALOS_API_PORT}`;
}
