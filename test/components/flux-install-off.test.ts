import { describe, expect, it } from "vitest";
import { dynamicMock, stackConfig } from "./homelab-fixture";
import { runProgram } from "./pulumi-harness";

// flux.install: false stops `pulumi up` after the health check and the encrypted tree: no Kubernetes provider and no
// Kubernetes resource (the end-to-end engine stack uses it: its loopback stand-in answers only the readiness calls).
describe("flux.install", () => {
  const kubernetes = (type: string) => type.startsWith("kubernetes:") || type === "pulumi:providers:kubernetes";

  it("defaults to installing Flux through the Kubernetes provider", async () => {
    const { config, secretKeys } = await stackConfig();
    const run = await runProgram(config, secretKeys, { dynamic: dynamicMock() });
    expect(run.resources.filter((r) => kubernetes(r.type)).length).toBeGreaterThan(3);
  }, 120_000);

  it("false: no Kubernetes provider or resource, the rest of the chain and the tree's Flux files unchanged", async () => {
    const { config, secretKeys } = await stackConfig((c) => {
      (c["talos-homelab:flux"] as Record<string, unknown>).install = false;
    });
    const run = await runProgram(config, secretKeys, { dynamic: dynamicMock() });
    expect(run.resources.filter((r) => kubernetes(r.type))).toEqual([]);
    const types = run.resources.map((r) => r.type.split(":").at(-1));
    for (const type of ["TalosConfigApply", "TalosBootstrap", "TalosClusterHealth", "EncryptedGitopsTree"]) expect(types).toContain(type);
    const tree = run.byType("pulumi-nodejs:dynamic/talos-homelab:EncryptedGitopsTree")[0];
    const paths = ((tree?.inputs.artefacts as { value: { path: string }[] }).value ?? []).map((a) => a.path);
    expect(paths).toEqual(expect.arrayContaining(["clusters/homelab/flux-system/flux-instance.yaml", "clusters/homelab/flux-system/sops-age.sops.yaml"]));
  }, 120_000);
});
