/** Patterns of secrets that must never appear in a plaintext file of the tree. Matches are reported, never printed. */

export interface SecretMatch {
  /** 1-based line of the match. */
  readonly line: number;
  /** What was found, without the secret itself. */
  readonly what: string;
}

interface LinePattern {
  readonly what: string;
  readonly regex: RegExp;
  /** Further test on the match (e.g. decode the base64 and look inside). */
  readonly confirm?: (match: RegExpExecArray) => boolean;
}

const BASE64_PEM = "LS0tLS1CRUdJTi"; // base64 of "-----BEGIN"

function decodesToPrivateKey(b64: string): boolean {
  return /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(Buffer.from(b64, "base64").toString("latin1"));
}

const LINE_PATTERNS: readonly LinePattern[] = [
  { what: "a private key PEM block", regex: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/ },
  { what: "an age secret key (AGE-SECRET-KEY-1…)", regex: /AGE-SECRET-KEY-(?:PQ-)?1[0-9A-Z]{20,}/ },
  {
    what: "a Talos/Kubernetes token ([a-z0-9]{6}.[a-z0-9]{16})",
    regex: /(?<![A-Za-z0-9.])[a-z0-9]{6}\.[a-z0-9]{16}(?![A-Za-z0-9])/,
  },
  {
    what: "a base64 PEM certificate or key in a crt:/key: field",
    regex: new RegExp(`(?:^|[\\s{,"'])(?:crt|key)["']?\\s*:\\s*["']?${BASE64_PEM}`),
  },
  {
    what: "a base64 private key in a kubeconfig client-key-data field",
    regex: /client-key-data["']?\s*:\s*["']?([A-Za-z0-9+/=]{40,})/,
    confirm: (m) => decodesToPrivateKey(m[1] ?? ""),
  },
  {
    what: "a Kubernetes secrets encryption key (secretbox/aescbc)",
    regex: /(?:secretboxEncryptionSecret|aescbcEncryptionSecret)["']?\s*:\s*["']?[A-Za-z0-9+/]{40,}={0,2}/,
  },
  {
    // Talos 1.14 documents: KubeEtcdEncryptionConfig `secret:` and DiscoveryIdentityConfig `clusterSecret:`
    // (also v1alpha1 `cluster.secret` up to 1.13): 32 random bytes in standard base64
    what: "a 32-byte secret (secrets encryption key or cluster discovery secret)",
    regex: /(?:^|[\s{,"'])(?:secret|clusterSecret)["']?\s*:\s*["']?[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])/,
  },
];

/** Plaintext secrets in `text`, one match per pattern and line. */
export function findPlaintextSecrets(text: string): SecretMatch[] {
  const matches: SecretMatch[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    for (const pattern of LINE_PATTERNS) {
      const m = pattern.regex.exec(line);
      if (m && (pattern.confirm === undefined || pattern.confirm(m))) matches.push({ line: index + 1, what: pattern.what });
    }
  });
  for (const secret of plaintextKubernetesSecrets(text)) matches.push(secret);
  return matches;
}

/** A Kubernetes Secret manifest whose data/stringData are not sops-encrypted. */
function plaintextKubernetesSecrets(text: string): SecretMatch[] {
  const out: SecretMatch[] = [];
  // line numbers are counted as the documents go by (re-counting from the start made many documents quadratic)
  let startLine = 1;
  for (const doc of text.split(/^---[ \t]*$/m)) {
    const docStart = startLine;
    startLine += newlines(doc);
    if (!/^kind:\s*["']?Secret["']?\s*$/m.test(doc)) continue;
    const dataLine = /^(?:data|stringData):[ \t]*\S?.*$/m.exec(doc);
    if (dataLine === null) continue;
    const body = doc.slice(dataLine.index);
    // `[^:\n]*`: a key never spans lines (`[^:]*` scanned to the end of the text from every line: quadratic)
    const hasValue = /^[ \t]+[^\s#][^:\n]*:[ \t]*\S/m.test(body) || /^(?:data|stringData):[ \t]*\{[^}]/.test(body);
    if (hasValue && !/ENC\[AES256_GCM,/.test(body)) {
      out.push({ line: docStart + newlines(doc.slice(0, dataLine.index)), what: "a Kubernetes Secret with plaintext data/stringData" });
    }
  }
  return out;
}

function newlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}
