import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { docBlocks } from "../docs/doc-commands";
import { ROOT, inLoopbackNamespace, isLoopback, sandbox, type CommandResult, type Sandbox } from "./engine-harness";

/**
 * The README's stand-up steps (its `online` blocks) with the real Pulumi engine, as a person copies them: in
 * order, on a fresh HOME, each in a network namespace that has only loopback. The substitutions are the engine
 * toolchain (test/engine/build.sh: the stand-in proxmoxve provider among the plugins) and the passphrase a person
 * types at the prompt. A README step that fails fails this test.
 */
const online = docBlocks(ROOT)
  .filter((block) => block.file === "README.md" && block.tag === "online")
  .flatMap((block) => block.commands);

/**
 * The steps after `pulumi preview` need a cluster that answers (Talos API on every node): the end-to-end suite runs
 * `pulumi up` against fake apids on loopback; the example stack's nodes (192.168.10.x) are never contacted.
 */
const FIRST_STEP_NEEDING_A_CLUSTER = "pulumi up";

// What `pulumi preview` of the example stack (3 control planes + 2 workers, one Proxmox node) plans to create:
// the stack, HomelabCluster, TalosImage, 5 TalosNode and FluxBootstrap components (9); the proxmoxve and kubernetes
// providers (2); the ISO and 5 VMs (6); machine secrets, admin talosconfig, admin kubeconfig, 5 applies, bootstrap,
// health and the encrypted tree (11); Flux's Namespace, 2 Secrets, Chart and FluxInstance (5).
const EXPECTED_CREATES = 33;

function ok(result: CommandResult) {
  return { command: result.command, status: result.status, stderr: result.status === 0 ? "" : `${result.stderr}\n${result.stdout}`.slice(-4000) };
}

describe("README stand-up steps under the real Pulumi engine (loopback only)", () => {
  let box: Sandbox;
  const upTo = online.indexOf(FIRST_STEP_NEEDING_A_CLUSTER);

  beforeAll(() => {
    box = sandbox();
  }, 3_600_000);

  it("the README's online steps create the backend folder, log in, set the secrets, preview and stand up", () => {
    expect(online.slice(0, 2)).toEqual(["mkdir -p ~/.pulumi-state", 'pulumi login "file://$HOME/.pulumi-state"']);
    expect(upTo).toBeGreaterThan(2);
    expect(online[upTo - 1]).toBe("pulumi preview");
  });

  it("every step up to `pulumi preview` succeeds, in reading order, on a fresh HOME", () => {
    expect(existsSync(join(box.home, ".pulumi-state"))).toBe(false);
    for (const command of online.slice(0, upTo)) {
      const result = inLoopbackNamespace(command, box);
      expect(ok(result)).toEqual({ command, status: 0, stderr: "" });
    }
  }, 900_000);

  it("`pulumi preview --diff` of the example stack with only those settings: exit 0, every resource planned, no error, no connection off loopback", () => {
    const result = inLoopbackNamespace("pulumi preview --diff --non-interactive --color never", box, { traceConnects: true });
    expect(ok(result)).toMatchObject({ status: 0 });
    const output = `${result.stdout}\n${result.stderr}`;
    expect(output).not.toMatch(/\berror\b/i);
    expect(output).toMatch(new RegExp(`\\+ ${EXPECTED_CREATES} to create`));
    // The Kubernetes provider stays unconfigured (its kubeconfig waits for the health check), Proxmox is the
    // stand-in: nothing in the preview tries to reach the example's 192.168.10.x addresses or the Proxmox host.
    expect(result.connects.length).toBeGreaterThan(0); // the engine's own gRPC on loopback: the trace works
    expect(result.connects.filter((destination) => !isLoopback(destination))).toEqual([]);
  }, 900_000);
});
