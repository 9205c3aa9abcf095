import { describe, expect, it } from "vitest";
import { TalosNodeMembership } from "../../components/talos-node-membership";
import { TalosNodeUpgrade } from "../../components/talos-node-upgrade";
import { registerUnderMocks } from "./mock-registration";
import { isSecretWrapped } from "./pulumi-harness";

const node = { name: "cp-1", address: "10.0.0.11", role: "controlplane" as const };
const args = { node, controlPlanes: [node], talosVersion: "v1.14.1", talosconfig: "context: lab\n", kubeconfig: "current-context: admin\n" };

describe("roll-out resources' registration", () => {
  it("TalosNodeMembership keeps the credentials its delete needs secret, in its inputs and in the state", async () => {
    const registered = await registerUnderMocks((opts) => new TalosNodeMembership("cp-1-membership", { ...args, kubernetesVersion: "1.37.0" }, opts));
    expect(registered).toHaveLength(1);
    expect(registered[0]?.secretOutputs.sort()).toEqual(["kubeconfig", "talosconfig"]);
    expect(isSecretWrapped(registered[0]?.inputs.talosconfig)).toBe(true);
    expect(isSecretWrapped(registered[0]?.inputs.kubeconfig)).toBe(true);
  });

  it("TalosNodeUpgrade takes the credentials as secrets", async () => {
    const registered = await registerUnderMocks(
      (opts) => new TalosNodeUpgrade("cp-1-upgrade", { ...args, installerImage: `factory.talos.dev/nocloud-installer/${"a".repeat(64)}:v1.14.1` }, opts),
    );
    expect(isSecretWrapped(registered[0]?.inputs.talosconfig)).toBe(true);
    expect(isSecretWrapped(registered[0]?.inputs.kubeconfig)).toBe(true);
    expect(registered[0]?.inputs.installerImage).toMatch(/:v1\.14\.1$/);
  });
});
