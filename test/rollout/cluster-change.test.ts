import { describe, expect, it } from "vitest";
import { clusterChangeProvider } from "../../components/dynamic/cluster-change-provider";

const state = (over: Record<string, unknown> = {}) => ({
  talosVersion: "v1.13.9",
  kubernetesVersion: "1.35.4",
  installerImage: "factory.talos.dev/nocloud-installer-secureboot/abc:v1.13.9",
  controlPlanes: ["cp-1", "cp-2", "cp-3"],
  workers: ["worker-1", "worker-2"],
  ...over,
});
const check = (olds: Record<string, unknown>, news: Record<string, unknown>) => clusterChangeProvider.check?.(olds, news);

describe("TalosClusterChange check (runs in preview, before anything changes)", () => {
  it("accepts the first run, a supported Talos upgrade, a one-minor Kubernetes upgrade and removing one control plane", async () => {
    await expect(check({}, state())).resolves.toEqual({ inputs: state() });
    await expect(check(state(), state({ talosVersion: "v1.14.1" }))).resolves.toBeDefined();
    await expect(check(state(), state({ kubernetesVersion: "1.36.3" }))).resolves.toBeDefined();
    await expect(check(state(), state({ controlPlanes: ["cp-1", "cp-2"] }))).resolves.toBeDefined();
    await expect(check(state(), state({ workers: [] }))).resolves.toBeDefined();
  });

  it("refuses a two-minor Kubernetes jump, naming the field, the value and the path", async () => {
    await expect(check(state(), state({ kubernetesVersion: "1.37.0" }))).rejects.toThrow(
      'kubernetesVersion "1.37.0" jumps 2 minor versions from 1.35.4; Kubernetes upgrades one minor version at a time: upgrade in steps, 1.35.4 -> 1.36.x -> 1.37.0',
    );
  });

  it("refuses a Talos minor skip Talos does not support, with the path", async () => {
    await expect(check(state({ talosVersion: "v1.11.5" }), state({ talosVersion: "v1.14.1" }))).rejects.toThrow(
      'talosVersion "v1.14.1": Talos v1.14.1 upgrades only from v1.12.0 or newer, and the nodes run v1.11.5: upgrade in steps, v1.11.5 -> v1.13.9 -> v1.14.1',
    );
  });

  it("refuses removing the last control planes, and removing two of three at once", async () => {
    await expect(check(state({ controlPlanes: ["cp-1", "cp-2"] }), state({ controlPlanes: [] }))).rejects.toThrow(
      "nodes: the change removes every control plane (cp-1, cp-2): the cluster would have no etcd and no API server",
    );
    await expect(check(state(), state({ controlPlanes: ["cp-1"] }))).rejects.toThrow(
      "removes 2 of 3 control planes (cp-2, cp-3) at once, leaving 1 of etcd's 3 members, below its quorum of 2. Remove control planes one at a time",
    );
    // Five to three keeps the old quorum of three.
    const five = state({ controlPlanes: ["a", "b", "c", "d", "e"] });
    await expect(check(five, state({ controlPlanes: ["a", "b", "c"] }))).resolves.toBeDefined();
  });
});
