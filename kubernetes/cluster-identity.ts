/**
 * The cluster's age identity: the key Flux decrypts with (kept in the `sops-age` Secret) and whose recipient every
 * encrypted output of this project is also encrypted to. Error messages name the problem and the fix, never the key.
 */
import { identityToRecipient } from "age-encryption";

const IDENTITY_PREFIXES = ["AGE-SECRET-KEY-1", "AGE-SECRET-KEY-PQ-1"] as const;
const FIX =
  "Fix: generate one with `age-keygen` and store it with `pulumi config set --secret talos-homelab:clusterAgeIdentity` " +
  "(or TALOS_HOMELAB_AGE_IDENTITY), or set generateClusterAgeIdentity: true";

export class ClusterIdentityError extends Error {
  constructor(field: string, problem: string) {
    super(`${field}: ${problem}. ${FIX}`);
    this.name = "ClusterIdentityError";
  }
}

/**
 * Extracts the one identity from an identity string or an `age-keygen` file (its `#` comment lines and blank lines
 * are skipped). Checks the shape only; `clusterIdentityRecipient` also checks the key itself.
 */
export function normalizeClusterIdentity(text: string, field = "clusterAgeIdentity"): string {
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  if (lines.length === 0) throw new ClusterIdentityError(field, "is empty (no age identity found)");
  if (lines.length > 1) {
    throw new ClusterIdentityError(field, `holds ${lines.length} non-comment lines; exactly one age identity is expected`);
  }
  const [identity] = lines;
  if (identity.startsWith("age1")) {
    throw new ClusterIdentityError(field, "is an age recipient (public key), not an identity (AGE-SECRET-KEY-1…)");
  }
  if (identity.startsWith("AGE-PLUGIN-")) {
    throw new ClusterIdentityError(field, "is an age plugin identity, which Flux cannot use");
  }
  if (!IDENTITY_PREFIXES.some((prefix) => identity.toUpperCase().startsWith(prefix))) {
    throw new ClusterIdentityError(field, "is not an age identity (it must start with AGE-SECRET-KEY-1)");
  }
  return identity.toUpperCase();
}

/** The `age1…` recipient of a cluster identity; rejects an identity whose key or checksum is malformed. */
export async function clusterIdentityRecipient(text: string, field = "clusterAgeIdentity"): Promise<string> {
  const identity = normalizeClusterIdentity(text, field);
  try {
    return await identityToRecipient(identity);
  } catch {
    // The library's message may quote the input; ours must not.
    throw new ClusterIdentityError(field, "is not a valid age identity (wrong length, characters or bech32 checksum)");
  }
}

/** The text stored under `age.agekey`: an identity file with the one identity. */
export function clusterIdentityFile(text: string, field = "clusterAgeIdentity"): string {
  return `${normalizeClusterIdentity(text, field)}\n`;
}

/** The identities in the `sops-age` Secret: the current one first, then the previous ones kept during a rotation. */
export interface ClusterKeyRing {
  readonly current: string;
  /** Older cluster identities Flux still needs until the tree in Git is fully re-encrypted (newest first). */
  readonly previous: readonly string[];
}

/**
 * Reads an `age.agekey` value: one identity per line (comments and blank lines skipped), the first one current.
 * A rotation writes several lines for the overlap window; duplicates are dropped.
 */
export function parseClusterKeyRing(text: string, field = "age.agekey"): ClusterKeyRing {
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  if (lines.length === 0) throw new ClusterIdentityError(field, "is empty (no age identity found)");
  const identities = [...new Set(lines.map((line, i) => normalizeClusterIdentity(line, lines.length > 1 ? `${field} line ${i + 1}` : field)))];
  return { current: identities[0], previous: identities.slice(1) };
}

/** The text stored under `age.agekey` during an overlap: the current identity, then the previous ones, one per line. */
export function clusterKeyRingFile(current: string, previous: readonly string[] = [], field = "clusterAgeIdentity"): string {
  const head = normalizeClusterIdentity(current, field);
  const rest = previous.map((p, i) => normalizeClusterIdentity(p, `previous cluster identity ${i + 1}`)).filter((p) => p !== head);
  return [head, ...new Set(rest)].map((line) => `${line}\n`).join("");
}
