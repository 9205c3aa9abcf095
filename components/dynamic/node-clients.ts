import { TalosClient } from "../../talos/api/client";
import { type NodeClients, nodeClients } from "../../talos/api/operations";
import { parseTalosconfigContext } from "../../talos/api/talosconfig-context";

/** Real Talos API clients for a node, with mutual TLS material from a talosconfig. */
export function talosNodeClients(node: string, options: { endpoint?: string; talosconfig: string; fingerprint?: string }): NodeClients {
  const context = parseTalosconfigContext(options.talosconfig);
  return nodeClients(
    node,
    { endpoint: options.endpoint, tls: context, fingerprint: options.fingerprint },
    { maintenance: (n, o) => TalosClient.maintenance(n, o), configured: (o) => TalosClient.configured(o) },
  );
}
