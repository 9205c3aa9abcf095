/** The Talos version contract: code that differs by Talos minor version selects on `contract.minor`. */
export type ContractMinor = 11 | 12;

export interface Contract {
  /** "v1.11" or "v1.12". */
  readonly name: `v1.${ContractMinor}`;
  readonly minor: ContractMinor;
  /** The full Talos version the cluster runs, e.g. "v1.11.5". */
  readonly talosVersion: string;
  /** Kubernetes version Talos defaults to for this contract, without the leading "v". */
  readonly defaultKubernetesVersion: string;
}

export const DEFAULT_TALOS_VERSION = "v1.11.5";

const DEFAULT_KUBERNETES: Record<ContractMinor, string> = { 11: "1.34.1", 12: "1.35.0" };
const TALOS_VERSION = /^v1\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/;

/** Parses a Talos version such as "v1.11.5" into its contract, or throws naming the value and the fix. */
export function contractFor(talosVersion: string): Contract {
  const match = TALOS_VERSION.exec(talosVersion);
  if (!match) {
    throw new Error(
      `talosVersion "${talosVersion}" is not a Talos version: write it as v1.<minor>.<patch>, e.g. ${DEFAULT_TALOS_VERSION}`,
    );
  }
  const minor = Number(match[1]);
  if (minor !== 11 && minor !== 12) {
    throw new Error(
      `talosVersion "${talosVersion}" is not supported: use a v1.11.x or v1.12.x release (default ${DEFAULT_TALOS_VERSION})`,
    );
  }
  return {
    name: `v1.${minor}`,
    minor,
    talosVersion,
    defaultKubernetesVersion: DEFAULT_KUBERNETES[minor],
  };
}
