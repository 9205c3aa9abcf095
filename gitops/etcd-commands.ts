/** What the `etcd` commands load on use (a bundle of its own in dist/): the operations and the real Talos client. */
import { TalosClient } from "../talos/api/client";
import type { ClientTlsMaterial } from "../talos/api/credentials";

export { takeEtcdSnapshot } from "./etcd-backup";
export { restoreEtcdSnapshot } from "./etcd-restore";
export { removeEtcdMember } from "./etcd-members";

/** A mutual-TLS Talos API client with the admin talosconfig's material. */
export function connectTalos(options: { endpoint: string; node?: string; tls: ClientTlsMaterial; callTimeoutMs?: number }): TalosClient {
  return TalosClient.configured(options);
}
