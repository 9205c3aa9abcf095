import { describe, expect, it } from "vitest";
import { sopsCanaryChecks } from "../../gitops/flux-scaffold";
import { dynamicMock, stackConfig } from "./homelab-fixture";
import { runProgram } from "./pulumi-harness";

// The Flux settings of the stack reach the program: flux.instanceManagedBy (who keeps the FluxInstance's spec) and
// flux.readyTimeoutSeconds (the wait for FluxInstance Ready and the SOPS canaries applied from Git).
describe("flux settings in pulumi up", () => {
  const FLUX_INSTANCE = "kubernetes:fluxcd.controlplane.io/v1:FluxInstance";
  const FLUX_READY = "pulumi-nodejs:dynamic/talos-homelab:FluxReady";

  it("defaults: Pulumi keeps the FluxInstance's spec, and up waits for Flux after the FluxInstance and the tree", async () => {
    const { config, secretKeys } = await stackConfig();
    const run = await runProgram(config, secretKeys, { dynamic: dynamicMock() });
    expect(run.byType(FLUX_INSTANCE)[0]!.ignoreChanges).toEqual([]);
    const [ready] = run.byType(FLUX_READY);
    expect(ready!.dependsOn).toEqual(expect.arrayContaining(["homelab-flux-flux-instance", "homelab-gitops-tree"]));
    expect(ready!.inputs).toMatchObject({
      namespace: "flux-system",
      instance: "flux",
      timeoutSeconds: 900,
      source: "https://github.com/example/homelab-gitops.git@main",
      canaries: sopsCanaryChecks("homelab"),
    });
  }, 120_000);

  it('flux.instanceManagedBy "git": the FluxInstance ignores changes to its spec (Git keeps it)', async () => {
    const { config, secretKeys } = await stackConfig((c) => {
      (c["talos-homelab:flux"] as Record<string, unknown>).instanceManagedBy = "git";
    });
    const run = await runProgram(config, secretKeys, { dynamic: dynamicMock() });
    expect(run.byType(FLUX_INSTANCE)[0]!.ignoreChanges).toEqual(["spec"]);
  }, 120_000);

  it("flux.readyTimeoutSeconds: 0 skips the wait; a value passes on as the bound", async () => {
    const off = await stackConfig((c) => {
      (c["talos-homelab:flux"] as Record<string, unknown>).readyTimeoutSeconds = 0;
    });
    expect((await runProgram(off.config, off.secretKeys, { dynamic: dynamicMock() })).byType(FLUX_READY)).toEqual([]);
    const short = await stackConfig((c) => {
      (c["talos-homelab:flux"] as Record<string, unknown>).readyTimeoutSeconds = 120;
    });
    expect((await runProgram(short.config, short.secretKeys, { dynamic: dynamicMock() })).byType(FLUX_READY)[0]!.inputs.timeoutSeconds).toBe(120);
  }, 120_000);
});
