/**
 * The integrity hash etcd appends to a snapshot it streams (Maintenance.Snapshot, which Talos's EtcdSnapshot relays):
 * the bbolt database, whose size is a multiple of its page size, then the SHA-256 of the database (32 bytes). etcd's
 * restore (and Talos's Bootstrap with recover_etcd unless recover_skip_hash_check) recognises a snapshot with a hash
 * by `size % 512 == 32` and refuses one whose hash does not match.
 */
import { createHash } from "node:crypto";

const HASH_BYTES = 32;
const SECTOR_BYTES = 512;

export type SnapshotIntegrity =
  | { readonly kind: "verified"; readonly databaseBytes: number }
  | { readonly kind: "no-hash"; readonly bytes: number }
  | { readonly kind: "mismatch"; readonly bytes: number };

/** Whether `snapshot` carries etcd's trailing SHA-256 and whether it matches the database before it. */
export function checkSnapshotIntegrity(snapshot: Buffer): SnapshotIntegrity {
  if (snapshot.length <= HASH_BYTES || snapshot.length % SECTOR_BYTES !== HASH_BYTES) return { kind: "no-hash", bytes: snapshot.length };
  const database = snapshot.subarray(0, snapshot.length - HASH_BYTES);
  const expected = snapshot.subarray(snapshot.length - HASH_BYTES);
  const actual = createHash("sha256").update(database).digest();
  return actual.equals(expected) ? { kind: "verified", databaseBytes: database.length } : { kind: "mismatch", bytes: snapshot.length };
}

/** The problem with a snapshot for a hash-checked recovery, or undefined when its hash verifies. */
export function snapshotIntegrityProblem(snapshot: Buffer): string | undefined {
  const integrity = checkSnapshotIntegrity(snapshot);
  switch (integrity.kind) {
    case "verified":
      return undefined;
    case "no-hash":
      return (
        `its ${integrity.bytes} bytes end without etcd's SHA-256 (a snapshot taken over the API has one; a database file copied ` +
        "from /var/lib/etcd has not): recover from a snapshot taken with `talos-homelab etcd snapshot`, or skip the check " +
        "only for a copied database file"
      );
    case "mismatch":
      return `its trailing SHA-256 does not match the ${integrity.bytes - HASH_BYTES} bytes before it: the snapshot is truncated or corrupt; use another one`;
  }
}

/** A database followed by its SHA-256, as etcd streams a snapshot (for fakes and tests). */
export function withSnapshotHash(database: Buffer): Buffer {
  return Buffer.concat([database, createHash("sha256").update(database).digest()]);
}
