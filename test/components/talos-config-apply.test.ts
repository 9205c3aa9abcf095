import { describe, expect, it } from "vitest";
import {
  type ConfigApplyDeps,
  configApplyInputs,
  configHash,
  createConfigApply,
  diffConfigApply,
  updateConfigApply,
} from "../../components/dynamic/config-apply-logic";
import type { TalosClient } from "../../talos/api/client";
import type { ApplyConfigurationResponse, ApplyMode } from "../../talos/api/messages";
import type { ApplyPath, NodeClients } from "../../talos/api/operations";

const CONFIG = "version: v1alpha1\nmachine:\n    type: controlplane\n";
const inputs = configApplyInputs({ node: "10.0.0.11", config: CONFIG, talosconfig: "context: lab\n" });

function recordingDeps(path: ApplyPath = "maintenance") {
  const calls: { kind: string; config: string; mode?: ApplyMode; timeoutMs: number }[] = [];
  const log: string[] = [];
  const response = (mode: ApplyMode): ApplyConfigurationResponse => ({
    messages: [{ metadata: null, warnings: ["deprecated field"], mode, modeDetails: "" }],
  });
  const clients: NodeClients = {
    maintenance: () => ({}) as TalosClient,
    configured: () => ({}) as TalosClient,
  };
  const deps: ConfigApplyDeps = {
    clientsFor: () => clients,
    applyFirst: async (_c, config, policy) => {
      calls.push({ kind: "first", config, timeoutMs: policy.timeoutMs });
      return { path, response: response("REBOOT") };
    },
    applyConfigured: async (_c, config, mode, policy) => {
      calls.push({ kind: "configured", config, mode, timeoutMs: policy.timeoutMs });
      return response("NO_REBOOT");
    },
    log: (message) => log.push(message),
  };
  return { deps, calls, log };
}

describe("TalosConfigApply", () => {
  it("creates through the first-apply path (maintenance mode) and names the node", async () => {
    const { deps, calls, log } = recordingDeps();
    const { outs } = await createConfigApply(inputs, deps);
    expect(calls).toEqual([{ kind: "first", config: CONFIG, timeoutMs: 600_000 }]);
    expect(outs).toEqual({
      node: "10.0.0.11",
      configHash: configHash(CONFIG),
      appliedVia: "maintenance",
      appliedMode: "REBOOT",
      warnings: ["deprecated field"],
    });
    expect(log[0]).toBe("applying the machine config to node 10.0.0.11 (maintenance mode, mode AUTO)");
    expect(log).toContain("node 10.0.0.11 warning: deprecated field");
    expect(JSON.stringify(outs)).not.toContain("controlplane");
  });

  it("is a no-op when the rendered config is unchanged, whatever the credentials", async () => {
    const { deps } = recordingDeps();
    const { outs } = await createConfigApply(inputs, deps);
    const news = configApplyInputs({ node: "10.0.0.11", config: CONFIG, talosconfig: "context: renewed\n", timeoutSeconds: 30 });
    expect(diffConfigApply(outs, news)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("updates over mutual TLS with mode AUTO when the config changes", async () => {
    const { deps, calls, log } = recordingDeps();
    const { outs } = await createConfigApply(inputs, deps);
    const news = configApplyInputs({ node: "10.0.0.11", config: `${CONFIG}debug: true\n`, talosconfig: "t" });
    expect(diffConfigApply(outs, news)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const updated = await updateConfigApply(news, deps);
    expect(calls.at(-1)).toEqual({ kind: "configured", config: `${CONFIG}debug: true\n`, mode: "AUTO", timeoutMs: 600_000 });
    expect(updated.outs).toMatchObject({ appliedVia: "configured", appliedMode: "NO_REBOOT", configHash: configHash(news.config) });
    expect(log).toContain("applying the changed machine config to node 10.0.0.11 (mutual TLS, mode AUTO)");
  });

  it("keeps the path digests in its outputs and names the changed paths (never values) when it updates", async () => {
    const { deps, log } = recordingDeps();
    const first = configApplyInputs({ node: "10.0.0.11", config: CONFIG, talosconfig: "t", configPaths: { "machine.type": "00aa", "machine.debug": "11bb" } });
    const { outs } = await createConfigApply(first, deps);
    expect(outs.configPaths).toEqual({ "machine.type": "00aa", "machine.debug": "11bb" });
    const news = configApplyInputs({ node: "10.0.0.11", config: `${CONFIG}x: 1\n`, talosconfig: "t", configPaths: { "machine.type": "00aa", "machine.debug": "22cc", x: "33dd" } });
    await updateConfigApply(news, deps, outs);
    expect(log).toContain("node 10.0.0.11: changed config paths: machine.debug, x");
    expect(() => configApplyInputs({ node: "n", config: CONFIG, talosconfig: "t", configPaths: ["machine.type"] })).toThrow(/"configPaths" must be a map/);
  });

  it("replaces when the node changes", async () => {
    const { deps } = recordingDeps();
    const { outs } = await createConfigApply(inputs, deps);
    const news = configApplyInputs({ node: "10.0.0.12", config: CONFIG, talosconfig: "t" });
    expect(diffConfigApply(outs, news)).toMatchObject({ changes: true, replaces: ["node"] });
  });

  it("replaces (a fresh first apply) when a new machine stands behind the same address", async () => {
    const { deps } = recordingDeps();
    const { outs } = await createConfigApply(configApplyInputs({ node: "10.0.0.11", config: CONFIG, talosconfig: "t", machineId: "1101" }), deps);
    expect(diffConfigApply(outs, configApplyInputs({ node: "10.0.0.11", config: CONFIG, talosconfig: "t", machineId: "1101" }))).toMatchObject({ changes: false, replaces: [] });
    expect(diffConfigApply(outs, configApplyInputs({ node: "10.0.0.11", config: CONFIG, talosconfig: "t", machineId: "1201" }))).toMatchObject({ changes: true, replaces: ["machineId"] });
  });

  it("records a first apply that had to use mutual TLS", async () => {
    const { deps } = recordingDeps("configured");
    const { outs } = await createConfigApply(inputs, deps);
    expect(outs.appliedVia).toBe("configured");
  });

  it("validates inputs, naming the field", () => {
    expect(() => configApplyInputs({ node: "10.0.0.11", talosconfig: "t" })).toThrow('TalosConfigApply: "config" is required');
    expect(() => configApplyInputs({ node: "n", config: "c", talosconfig: "t", timeoutSeconds: -1 })).toThrow(
      /"timeoutSeconds" must be a positive number/,
    );
  });
});
