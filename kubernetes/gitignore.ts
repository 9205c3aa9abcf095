/** The `.gitignore` of the GitOps repository: keys and plaintext renders never reach Git. */

export const GITIGNORE_PATTERNS: readonly string[] = [
  // age identities
  "*.agekey",
  "keys.txt",
  // plaintext renders (written only on request) and decrypted copies
  "*.plain.yaml",
  "*.plain.yml",
  "*.plain.json",
  "*.plain",
  "*.dec.yaml",
  "*.dec.yml",
  "*.decrypted.*",
  "plaintext/",
  // temp files of atomic writes (.<name>.<random>.tmp), removed on failure and interruption, but not on kill -9
  ".*.tmp",
  // unencrypted client configs
  "talosconfig",
  "kubeconfig",
];

export function renderGitignore(): string {
  return `# Written by talos-homelab: keys and plaintext renders stay out of Git.\n${GITIGNORE_PATTERNS.join("\n")}\n`;
}
