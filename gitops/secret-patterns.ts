/**
 * The project's own secret rules (SOPS, age, Talos, Proxmox): patterns of credentials that must never appear in a
 * plaintext file of the tree. `secret-scan.ts` runs them next to secretlint's recommended preset; they also run alone
 * (synchronously) in tests of rendered artefacts. Matches are reported, never printed.
 */
import { base64Blobs } from "./base64-blobs";
import { plaintextKubernetesSecrets } from "./kubernetes-secret-scan";

export interface SecretMatch {
  /** 1-based line of the match. */
  readonly line: number;
  /** What was found, without the secret itself. */
  readonly what: string;
  /** The rule that found it (`talos-homelab/<name>`). */
  readonly rule: string;
  /** A redacted hint of the shape found (a fixed, public prefix or a field name; never any secret character). */
  readonly hint: string;
}

export interface SecretPattern {
  readonly id: string;
  readonly what: string;
  readonly hint: string;
  /** Matched line by line (no `g` flag). */
  readonly regex: RegExp;
}

const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  { id: "talos-homelab/private-key", what: "a private key PEM block", hint: "-----BEGIN … PRIVATE KEY-----", regex: PEM_PRIVATE_KEY },
  {
    // Bech32 is case-insensitive: age accepts an identity in upper or lower case (never mixed, but a leak is a leak)
    id: "talos-homelab/age-identity",
    what: "an age secret key (AGE-SECRET-KEY-1…)",
    hint: "AGE-SECRET-KEY-1…",
    regex: /AGE-SECRET-KEY-(?:PQ-)?1[0-9A-Z]{20,}/i,
  },
  {
    // Talos machine/cluster tokens, trustd token and Kubernetes bootstrap tokens share kubeadm's token shape
    id: "talos-homelab/talos-token",
    what: "a Talos/Kubernetes token ([a-z0-9]{6}.[a-z0-9]{16})",
    hint: "xxxxxx.xxxxxxxxxxxxxxxx",
    regex: /(?<![A-Za-z0-9.])[a-z0-9]{6}\.[a-z0-9]{16}(?![A-Za-z0-9])/,
  },
  {
    // camelCase in machine configs (cluster.secretboxEncryptionSecret), lower case in `talosctl gen secrets` bundles
    id: "talos-homelab/kubernetes-encryption-secret",
    what: "a Kubernetes secrets encryption key (secretbox/aescbc)",
    hint: "secretbox/aescbc EncryptionSecret: …",
    regex: /(?:secretbox|aescbc)_?encryption_?secret["']?\s*[:=]\s*["']?[A-Za-z0-9+/]{40,}={0,2}/i,
  },
  {
    // Talos 1.14 documents: KubeEtcdEncryptionConfig `secret:` and DiscoveryIdentityConfig `clusterSecret:`
    // (also v1alpha1 `cluster.secret` up to 1.13): 32 random bytes in standard base64
    id: "talos-homelab/talos-32-byte-secret",
    what: "a 32-byte secret (secrets encryption key or cluster discovery secret)",
    hint: "secret: …=",
    regex: /(?:^|[\s{,"'])(?:secret|clusterSecret)["']?\s*:\s*["']?[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])/,
  },
  {
    // PVEAPIToken=USER@REALM!TOKENID=UUID (the Authorization header), or USER@REALM!TOKENID=UUID (provider settings)
    id: "talos-homelab/proxmox-api-token",
    what: "a Proxmox VE API token (user@realm!tokenid=secret)",
    hint: "PVEAPIToken=user@realm!id=…",
    // bounded parts that start at a word boundary: unbounded `[…]+@` made a long line without `@` quadratic
    regex: /(?<![A-Za-z0-9._-])[A-Za-z0-9._-]{1,64}@[A-Za-z0-9._-]{1,64}![A-Za-z0-9._-]{1,64}\s{0,4}[=:]\s{0,4}[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i,
  },
];

/** Our patterns on each line of `text`, one match per pattern and line. */
export function matchSecretPatterns(text: string): SecretMatch[] {
  const matches: SecretMatch[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    for (const pattern of SECRET_PATTERNS) {
      if (pattern.regex.test(line)) matches.push({ line: index + 1, what: pattern.what, rule: pattern.id, hint: pattern.hint });
    }
  });
  return matches;
}

/** How deep base64 inside base64 is followed (a kubeconfig in a Secret holds its key in base64 again). */
export const MAX_BASE64_DEPTH = 3;

/** Our patterns, in the text and inside every base64 blob that decodes to text (reported at the blob's line). */
function matchWithDecoded(text: string, depth: number): SecretMatch[] {
  const matches = matchSecretPatterns(text);
  if (depth >= MAX_BASE64_DEPTH) return matches;
  for (const blob of base64Blobs(text)) {
    for (const inner of matchWithDecoded(blob.decoded, depth + 1)) {
      matches.push({ ...inner, line: blob.line, what: `${inner.what}, base64-encoded` });
    }
  }
  return matches;
}

export interface PlaintextSecretOptions {
  /** Look for Kubernetes Secrets with plaintext data (default true; off for sops files, whose rules say what is encrypted). */
  readonly kubernetesSecrets?: boolean;
}

/** Plaintext secrets in `text` by the project's own rules: patterns (also base64-wrapped) and plaintext Secret manifests. */
export function findPlaintextSecrets(text: string, opts: PlaintextSecretOptions = {}): SecretMatch[] {
  const matches = matchWithDecoded(text, 0);
  if (opts.kubernetesSecrets !== false) matches.push(...plaintextKubernetesSecrets(text));
  return dedupe(matches);
}

function dedupe(matches: SecretMatch[]): SecretMatch[] {
  const seen = new Set<string>();
  return matches.filter((m) => {
    const key = `${m.line}\0${m.rule}\0${m.what}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
