/** The Talos version contract: code that differs by Talos minor version selects on `contract.minor`. */
export type ContractMinor = 11 | 12 | 13 | 14;

export interface Contract {
  /** "v1.11" ... "v1.14". */
  readonly name: `v1.${ContractMinor}`;
  readonly minor: ContractMinor;
  /** The full Talos version the cluster runs, e.g. "v1.14.1". */
  readonly talosVersion: string;
  /** Kubernetes version Talos defaults to for this contract, without the leading "v". */
  readonly defaultKubernetesVersion: string;
  /** The Kubernetes versions this Talos minor runs (machinery's `compatibility` package). */
  readonly kubernetes: KubernetesRange;
  /** Set when the Talos minor is end of life: supported only to upgrade existing clusters. */
  readonly endOfLife?: string;
}

/** Kubernetes versions Talos supports: `min` <= version < `maxExclusive` (machinery's Minimum/MaximumKubernetesVersion). */
export interface KubernetesRange {
  readonly min: string;
  readonly maxExclusive: string;
}

interface ContractTable {
  /** Patch releases of this minor that exist (the Go module proxy serves their machinery, checked Dec 2026). */
  readonly patches: readonly number[];
  /** machinery's `constants.DefaultKubernetesVersion` at the patch our talos-oracle links. */
  readonly defaultKubernetes: string;
  readonly kubernetes: KubernetesRange;
  readonly endOfLife?: string;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * Every Talos release we render configs for. Patch lists: what the Go module proxy serves for
 * github.com/siderolabs/talos/pkg/machinery (v1.14.0 does not exist; v1.12.8 is listed by the
 * reference sheet). Kubernetes ranges and defaults: machinery v1.14.1 `compatibility/talos1xx` and each
 * contract's `constants.DefaultKubernetesVersion` (v1.11.5, v1.12.7, v1.13.9, v1.14.1).
 */
export const CONTRACT_TABLES: Readonly<Record<ContractMinor, ContractTable>> = {
  11: {
    patches: range(0, 6),
    defaultKubernetes: "1.34.1",
    kubernetes: { min: "1.29.0", maxExclusive: "1.34.99" },
    endOfLife:
      "Talos 1.11 is end of life: it is kept only to upgrade existing clusters. Upgrade to v1.12.x or v1.13.x first " +
      "(Talos 1.14 upgrades only from 1.12 or newer), then to the default v1.14.1; see docs/operations.md",
  },
  12: { patches: range(0, 8), defaultKubernetes: "1.35.4", kubernetes: { min: "1.30.0", maxExclusive: "1.35.99" } },
  13: { patches: range(0, 9), defaultKubernetes: "1.36.3", kubernetes: { min: "1.31.0", maxExclusive: "1.36.99" } },
  14: { patches: [1], defaultKubernetes: "1.37.0", kubernetes: { min: "1.32.0", maxExclusive: "1.37.99" } },
};

export const DEFAULT_TALOS_VERSION = "v1.14.1";

const TALOS_VERSION = /^v1\.(\d+)\.(\d+)$/;
const isContractMinor = (minor: number): minor is ContractMinor => minor in CONTRACT_TABLES;

/** Parses a Talos version such as "v1.14.1" into its contract, or throws naming the value and the fix. */
export function contractFor(talosVersion: string): Contract {
  const match = TALOS_VERSION.exec(talosVersion);
  if (!match) {
    throw new Error(
      `talosVersion "${talosVersion}" is not a Talos version: write it as v1.<minor>.<patch>, e.g. ${DEFAULT_TALOS_VERSION}`,
    );
  }
  const minor = Number(match[1]);
  if (!isContractMinor(minor)) {
    throw new Error(
      `talosVersion "${talosVersion}" is not supported: use a v1.14.x (default ${DEFAULT_TALOS_VERSION}), v1.13.x or v1.12.x release ` +
        "(v1.11.x only to upgrade an existing cluster)",
    );
  }
  const table = CONTRACT_TABLES[minor];
  const patch = Number(match[2]);
  if (!table.patches.includes(patch)) {
    const known = table.patches.map((p) => `v1.${minor}.${p}`).join(", ");
    throw new Error(
      `talosVersion "${talosVersion}" is not a Talos release we know: the known v1.${minor} releases are ${known}; ` +
        `use one of them (default ${DEFAULT_TALOS_VERSION}), or add the new release to CONTRACT_TABLES in talos/contract.ts`,
    );
  }
  return {
    name: `v1.${minor}`,
    minor,
    talosVersion,
    defaultKubernetesVersion: table.defaultKubernetes,
    kubernetes: table.kubernetes,
    ...(table.endOfLife !== undefined ? { endOfLife: table.endOfLife } : {}),
  };
}

const versionCore = (v: string): [number, number, number] | undefined => {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
};

function compareCore(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/**
 * Why this Kubernetes version cannot run on the contract's Talos (as machinery's
 * `KubernetesVersion.SupportedWith` decides), or undefined when it can or is not a version at all.
 */
export function kubernetesVersionProblem(contract: Contract, kubernetesVersion: string): string | undefined {
  const core = versionCore(kubernetesVersion);
  if (core === undefined) return undefined;
  const min = versionCore(contract.kubernetes.min) as number[];
  const max = versionCore(contract.kubernetes.maxExclusive) as number[];
  const supported = `Talos ${contract.name} runs Kubernetes ${min[0]}.${min[1]}.0 to ${max[0]}.${max[1]}.x`;
  if (compareCore(core, min) < 0) return `is too old for Talos ${contract.talosVersion} (${supported})`;
  if (compareCore(core, max) >= 0) return `is too new for Talos ${contract.talosVersion} (${supported})`;
  return undefined;
}
