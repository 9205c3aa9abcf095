/**
 * Which version changes Talos and Kubernetes support, checked before a roll-out touches a node.
 *
 * Talos: machinery's `compatibility/talos1xx` packages (MinimumHostUpgradeVersion,
 * MaximumHostDowngradeVersion), checked at v1.11.5, v1.12.7, v1.13.9 and v1.14.1. Talos itself refuses an
 * upgrade outside them; its docs recommend the latest patch of every intermediate minor.
 * Kubernetes: one minor version at a time (the version-skew policy), never a minor downgrade.
 */
import { CONTRACT_TABLES, type ContractMinor, contractFor } from "./contract";

interface HostWindow {
  /** The oldest host version (major 1) that may upgrade to this minor: [minor, patch]. */
  readonly upgradeFrom: readonly [number, number];
  /** Host minors from this one on are too new to downgrade to this minor. */
  readonly downgradeBelowMinor: number;
}

const HOST_WINDOWS: Readonly<Record<ContractMinor, HostWindow>> = {
  11: { upgradeFrom: [9, 0], downgradeBelowMinor: 13 },
  12: { upgradeFrom: [10, 0], downgradeBelowMinor: 14 },
  13: { upgradeFrom: [11, 0], downgradeBelowMinor: 15 },
  14: { upgradeFrom: [12, 0], downgradeBelowMinor: 16 },
};

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)$/;

function core(version: string): [number, number, number] | undefined {
  const m = VERSION.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** The newest known patch of a Talos minor, e.g. v1.13.9. */
export function latestTalosPatch(minor: ContractMinor): string {
  const patches = CONTRACT_TABLES[minor].patches;
  return `v1.${minor}.${Math.max(...patches)}`;
}

/** The stops from `fromMinor` to `to`: the newest reachable minor's latest patch each time, ending at `to`. */
function talosPath(fromMinor: number, to: string, toMinor: ContractMinor): string[] {
  const stops: string[] = [];
  let at = fromMinor;
  while (at < toMinor && HOST_WINDOWS[toMinor].upgradeFrom[0] > at) {
    const reachable = (Object.keys(HOST_WINDOWS).map(Number) as ContractMinor[])
      .filter((minor) => minor > at && minor < toMinor && HOST_WINDOWS[minor].upgradeFrom[0] <= at)
      .sort((a, b) => b - a)[0];
    if (reachable === undefined) break;
    stops.push(latestTalosPatch(reachable));
    at = reachable;
  }
  return [...stops, to];
}

/**
 * Why a node on `from` cannot go to `to` in one step (as machinery's UpgradeableFrom decides), with the path to
 * take; undefined when it can (or nothing changes).
 */
export function talosUpgradeProblem(from: string, to: string): string | undefined {
  const host = core(from);
  const target = contractFor(to);
  if (host === undefined) return `the running version "${from}" is not a Talos version`;
  if (host[0] !== 1) return `Talos ${from} is not a 1.x release`;
  const window = HOST_WINDOWS[target.minor];
  const [minMinor, minPatch] = window.upgradeFrom;
  if (host[1] < minMinor || (host[1] === minMinor && host[2] < minPatch)) {
    const path = talosPath(host[1], to, target.minor);
    return (
      `Talos ${to} upgrades only from v1.${minMinor}.${minPatch} or newer, and the nodes run ${from}: ` +
      `upgrade in steps, ${[from, ...path].join(" -> ")} (set talosVersion to each and run pulumi up after each)`
    );
  }
  if (host[1] >= window.downgradeBelowMinor) {
    return (
      `Talos ${from} is too new to downgrade to ${to} (Talos v1.${target.minor} accepts downgrades only from releases before ` +
      `v1.${window.downgradeBelowMinor}.0); keep talosVersion at ${from}, or downgrade one minor at a time`
    );
  }
  return undefined;
}

/** Kubernetes moves one minor at a time and never down a minor; undefined when `from` -> `to` is allowed. */
export function kubernetesUpgradeProblem(from: string, to: string): string | undefined {
  const a = core(from);
  const b = core(to);
  if (a === undefined || b === undefined || a[0] !== b[0]) return undefined;
  if (b[1] < a[1]) {
    return `is a Kubernetes downgrade from ${from} (Kubernetes does not support downgrading a minor version); keep kubernetesVersion at ${a[0]}.${a[1]}.x or newer`;
  }
  if (b[1] - a[1] > 1) {
    const steps = Array.from({ length: b[1] - a[1] - 1 }, (_, i) => `${a[0]}.${a[1] + i + 1}.x`);
    return (
      `jumps ${b[1] - a[1]} minor versions from ${from}; Kubernetes upgrades one minor version at a time: ` +
      `upgrade in steps, ${[from, ...steps, to].join(" -> ")} (set kubernetesVersion to each, latest patch, and run pulumi up after each)`
    );
  }
  return undefined;
}
