/**
 * The Secret source-controller clones the GitOps repository with (the FluxInstance's `sync.pullSecret`):
 * `username`/`password` for HTTPS (password = an access token), `identity`/`known_hosts` for SSH.
 */
import { FLUX_NAMESPACE, GIT_CREDENTIALS_SECRET_NAME, PART_OF_LABEL } from "./names";
import { base64Data } from "./secret-data";
import type { Secret } from "./types";

export type GitCredentials =
  | { readonly transport: "https"; readonly username: string; readonly password: string }
  | { readonly transport: "ssh"; readonly identity: string; readonly knownHosts: string };

export class GitCredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GitCredentialsError";
  }
}

function nonEmpty(value: string, field: string, fix: string): string {
  if (value.trim() === "") throw new GitCredentialsError(`${field} is empty. Fix: ${fix}`);
  return value;
}

/** The Secret's plain entries; throws (without echoing any secret) when one is missing or malformed. */
export function gitCredentialsEntries(credentials: GitCredentials): Record<string, string> {
  if (credentials.transport === "https") {
    return {
      username: nonEmpty(credentials.username, "flux.username", "set flux.username (any non-empty name works for most forges, e.g. git)"),
      password: nonEmpty(credentials.password, "the Git token", "set TALOS_HOMELAB_GIT_TOKEN or `pulumi config set --secret talos-homelab:gitToken`"),
    };
  }
  const identity = nonEmpty(credentials.identity, "the Git SSH key", "set TALOS_HOMELAB_GIT_SSH_KEY or `pulumi config set --secret talos-homelab:gitSshKey`");
  if (!identity.trimStart().startsWith("-----BEGIN ")) {
    throw new GitCredentialsError(
      "the Git SSH key is not a PEM/OpenSSH private key (it must start with -----BEGIN). Fix: give the private key file's content, not the .pub key",
    );
  }
  return {
    // OpenSSH refuses a private key whose last line has no newline.
    identity: identity.endsWith("\n") ? identity : `${identity}\n`,
    known_hosts: nonEmpty(credentials.knownHosts, "flux.knownHosts", "set flux.knownHosts to the output of `ssh-keyscan <git host>`"),
  };
}

export function gitCredentialsSecretData(credentials: GitCredentials): Record<string, string> {
  return base64Data(gitCredentialsEntries(credentials));
}

export function gitCredentialsSecretMetadata(): Secret["metadata"] {
  return { name: GIT_CREDENTIALS_SECRET_NAME, namespace: FLUX_NAMESPACE, labels: { ...PART_OF_LABEL } };
}

export function gitCredentialsSecret(credentials: GitCredentials): Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: gitCredentialsSecretMetadata(),
    type: "Opaque",
    data: gitCredentialsSecretData(credentials),
  };
}
