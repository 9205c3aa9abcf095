import { describe, expect, it } from "vitest";
import { changedConfigPaths } from "../../talos/machine-config/path-digests";
import { dynamicMock, fixture, stackConfig } from "./homelab-fixture";
import { isSecretWrapped, runProgram, type ProgramRun, type RecordedResource } from "./pulumi-harness";

// What `pulumi preview --diff` can show of a machine-config change: each TalosConfigApply carries a plain
// (non-secret) map of config path -> keyed digest, so the engine's input diff names the changed paths of
// exactly the nodes whose config changes, and no value.
const APPLY = "pulumi-nodejs:dynamic/talos-homelab:TalosConfigApply";
type Nodes = Record<string, unknown>[];

async function run(mutate?: Parameters<typeof stackConfig>[0], preview = false): Promise<ProgramRun> {
  const { config, secretKeys } = await stackConfig(mutate);
  return runProgram(config, secretKeys, { preview, dynamic: dynamicMock() });
}

function pathsByNode(run: ProgramRun): Record<string, Record<string, string>> {
  return Object.fromEntries(
    run.byType(APPLY).map((apply: RecordedResource) => {
      const paths = apply.inputs.configPaths;
      expect(isSecretWrapped(paths), `${apply.name}: configPaths must be plain so a preview can show it`).toBe(false);
      return [apply.name.replace(/^homelab-|-config$/g, ""), paths as Record<string, string>];
    }),
  );
}

describe("a preview names the nodes and config paths a patch changes", () => {
  it("one node's patch: only that node's apply changes, at exactly the patched paths", async () => {
    const base = pathsByNode(await run());
    const changed = pathsByNode(
      await run((c) => {
        const worker = (c["talos-homelab:nodes"] as Nodes)[4] as Record<string, unknown>;
        worker.patches = [{ apiVersion: "v1alpha1", kind: "KubeNodeConfig", labels: { "homelab.example.net/storage": "fast-ssd-42", "homelab.example.net/tier": "gold" } }];
      }, true),
    );
    expect(Object.keys(base).sort()).toEqual(["cp-1", "cp-2", "cp-3", "worker-1", "worker-2"]);
    for (const node of Object.keys(base)) {
      const paths = changedConfigPaths(base[node] as Record<string, string>, changed[node] as Record<string, string>);
      if (node === "worker-2") expect(paths).toEqual(['KubeNodeConfig: labels["homelab.example.net/storage"]', 'KubeNodeConfig: labels["homelab.example.net/tier"]']);
      else expect(paths, node).toEqual([]);
    }
    expect(JSON.stringify(changed)).not.toContain("fast-ssd-42");
  }, 120_000);

  it("a cluster-wide patch shows on every node; the digests hold no secret of the bundle", async () => {
    const base = pathsByNode(await run());
    const changed = pathsByNode(
      await run((c) => {
        (c["talos-homelab:patches"] as Record<string, unknown>).cluster = [{ apiVersion: "v1alpha1", kind: "TimeSyncConfig", ntp: { servers: ["ntp.example.net"] } }];
      }),
    );
    for (const node of Object.keys(base)) {
      expect(changedConfigPaths(base[node] as Record<string, string>, changed[node] as Record<string, string>), node).toEqual(["TimeSyncConfig: ntp.servers"]);
    }
    const text = JSON.stringify(changed);
    expect(text).not.toContain("ntp.example.net");
    for (const secret of (await fixture()).secretStrings) expect(text).not.toContain(secret);
    for (const digest of Object.values(changed["cp-1"] as Record<string, string>)) expect(digest).toMatch(/^[0-9a-f]{16}$/);
  }, 120_000);
});
