import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { AdminTalosconfig } from "../../components/admin-talosconfig";
import { TalosBootstrap } from "../../components/talos-bootstrap";
import { TalosClusterHealth } from "../../components/talos-cluster-health";
import { TalosConfigApply } from "../../components/talos-config-apply";
import { TalosMachineSecrets } from "../../components/talos-machine-secrets";
import { isSecretWrapped } from "./pulumi-harness";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const registered: Registered[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: async (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        const outs: Record<string, unknown> = { ...(args.inputs as Record<string, unknown>) };
        if (args.type.endsWith(":TalosConfigApply")) Object.assign(outs, { configHash: "hash-1" });
        return { id: `${args.name}-id`, state: outs };
      },
      call: (args) => args.inputs,
    },
    "talos-homelab",
    "test",
    false,
  );
});

const byName = (name: string) => {
  const found = registered.find((r) => r.name === name);
  if (found === undefined) throw new Error(`${name} was not registered`);
  return found;
};

async function settled<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => { resolve(value); return value; }));
}

describe("the dynamic resource wrappers", () => {
  it("register as pulumi-nodejs dynamic resources with a serialized, module-backed provider and secret inputs", async () => {
    const secrets = new TalosMachineSecrets("lab-secrets", { talosVersion: "v1.11.5", sopsAgeIdentities: ["AGE-SECRET-KEY-1X"] });
    const { talosconfig } = new AdminTalosconfig("lab-talosconfig", { secretsYaml: "cluster: {}\n", clusterName: "lab", endpoints: ["10.0.0.11"] });
    const apply = new TalosConfigApply("lab-cp-1", { node: "10.0.0.11", config: "version: v1alpha1\n", talosconfig });
    const bootstrap = new TalosBootstrap("lab-bootstrap", { configApply: apply, talosconfig });
    const health = new TalosClusterHealth("lab-health", {
      controlPlanes: [{ name: "cp-1", address: "10.0.0.11" }],
      talosconfig,
      kubeconfig: "apiVersion: v1\n",
    });
    await Promise.all([settled(secrets.urn), settled(talosconfig), settled(apply.urn), settled(bootstrap.urn), settled(health.urn)]);

    expect(byName("lab-secrets").type).toBe("pulumi-nodejs:dynamic/talos-homelab:TalosMachineSecrets");
    expect(byName("lab-talosconfig").type).toBe("pulumi-nodejs:dynamic/talos-homelab:AdminTalosconfig");
    expect(isSecretWrapped(byName("lab-talosconfig").inputs.secretsYaml)).toBe(true);
    expect(byName("lab-cp-1").type).toBe("pulumi-nodejs:dynamic/talos-homelab:TalosConfigApply");
    expect(byName("lab-bootstrap").type).toBe("pulumi-nodejs:dynamic/talos-homelab:TalosBootstrap");
    expect(byName("lab-health").type).toBe("pulumi-nodejs:dynamic/talos-homelab:TalosClusterHealth");

    const provider = String(byName("lab-cp-1").inputs.__provider);
    expect(provider).toContain("components/dynamic/config-apply-provider");
    expect(provider).toContain("tsx/dist/cjs/api");

    expect(isSecretWrapped(byName("lab-secrets").inputs.sopsAgeIdentities)).toBe(true);
    expect(isSecretWrapped(byName("lab-cp-1").inputs.config)).toBe(true);
    expect(isSecretWrapped(byName("lab-health").inputs.kubeconfig)).toBe(true);
    expect(byName("lab-bootstrap").inputs).toMatchObject({ node: "10.0.0.11", configHash: "hash-1" });
  });
});
