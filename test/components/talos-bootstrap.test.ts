import { describe, expect, it } from "vitest";
import { type BootstrapDeps, bootstrapInputs, createBootstrap, diffBootstrap } from "../../components/dynamic/bootstrap-logic";
import type { TalosClient } from "../../talos/api/client";
import type { BootstrapOutcome } from "../../talos/api/operations";

function deps(outcome: BootstrapOutcome | Error) {
  const seen: { node: string; timeoutMs: number; closed: boolean }[] = [];
  const log: string[] = [];
  const value: BootstrapDeps = {
    client: (inputs) => {
      const entry = { node: inputs.node, timeoutMs: 0, closed: false };
      seen.push(entry);
      return { close: () => void (entry.closed = true) } as unknown as TalosClient;
    },
    bootstrap: async (_client, policy) => {
      seen[seen.length - 1].timeoutMs = policy.timeoutMs;
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
    loadRecoverySnapshot: async () => Promise.reject(new Error("test: no recovery configured")),
    recover: async () => Promise.reject(new Error("test: no recovery configured")),
    log: (m) => log.push(m),
  };
  return { value, seen, log };
}

describe("TalosBootstrap", () => {
  const inputs = bootstrapInputs({ node: "10.0.0.11", talosconfig: "t", configHash: "abc" });

  it("bootstraps the first control plane once and closes the client", async () => {
    const { value, seen, log } = deps("bootstrapped");
    const { outs } = await createBootstrap(inputs, value);
    expect(outs).toEqual({ node: "10.0.0.11", outcome: "bootstrapped" });
    expect(seen).toEqual([{ node: "10.0.0.11", timeoutMs: 900_000, closed: true }]);
    expect(log.at(-1)).toBe("node 10.0.0.11 bootstrapped etcd");
  });

  it("records an already-bootstrapped cluster as done", async () => {
    const { value, log } = deps("already-bootstrapped");
    await expect(createBootstrap(inputs, value)).resolves.toMatchObject({ outs: { outcome: "already-bootstrapped" } });
    expect(log.at(-1)).toBe("node 10.0.0.11 was already bootstrapped");
  });

  it("closes the client when bootstrap fails", async () => {
    const { value, seen } = deps(new Error("boom"));
    await expect(createBootstrap(inputs, value)).rejects.toThrow("boom");
    expect(seen[0].closed).toBe(true);
  });

  it("never runs again", () => {
    expect(diffBootstrap()).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });
});
