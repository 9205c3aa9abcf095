import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { docBlocks } from "../docs/doc-commands";
import { compatTool } from "./e2e/compat-tools";
import { type E2eNode, E2E_SUBNET, E2E_VIP, FakeCluster } from "./e2e/fake-cluster";
import { LoopbackNetns } from "./e2e/netns";
import { runInNetns, tail } from "./e2e/pulumi-run";
import { ROOT, inLoopbackNamespace, isLoopback, sandbox, survivorsIn, type CommandResult, type Sandbox } from "./engine-harness";

/**
 * The README's stand-up steps (its `online` blocks) with the real Pulumi engine, as a person copies them: in
 * order, on a fresh HOME, each in a network namespace that has only loopback. A README step that fails fails this
 * test. What is substituted, and nothing else:
 *  - the engine toolchain (test/engine/build.sh: the stand-in proxmoxve provider among the plugins), the real `sops`
 *    (test/compat/run.sh) on PATH, and what a person types at the prompts (the passphrase; `yes` to `pulumi up`);
 *  - before `pulumi up`: the example stack's addresses (192.168.10.x nodes, VIP, gateway, subnet, nameservers, the
 *    Proxmox endpoint) become loopback ones (127.0.10.x, same last octet), where FakeCluster's fake apids and
 *    Kubernetes stand-in listen, in one loopback namespace that every later step enters;
 *  - `flux.install: false`: Flux's chart comes from a registry that is not reachable here (the tree's Flux files are
 *    still written; the e2e suite previews the Flux resources).
 * The example stack as written is only ever previewed (under strace: no connection off loopback); `pulumi up` only
 * ever runs with the loopback stack, so the example's 192.168.x addresses are never contacted.
 */
const online = docBlocks(ROOT)
  .filter((block) => block.file === "README.md" && block.tag === "online")
  .flatMap((block) => block.commands);

/** From here on the steps need a cluster that answers (Talos API on every node): they run against the fakes. */
const FIRST_STEP_NEEDING_A_CLUSTER = "pulumi up";

// What `pulumi preview` of the example stack (3 control planes + 2 workers, one Proxmox node) plans to create:
// the stack, HomelabCluster, TalosImage, 5 TalosNode and FluxBootstrap components (9); the proxmoxve and kubernetes
// providers (2); the ISO and 5 VMs (6); machine secrets, admin talosconfig, admin kubeconfig, 5 applies, bootstrap,
// health and the encrypted tree (11); the roll-out chain: TalosClusterChange, 5 TalosNodeUpgrade and 5
// TalosNodeMembership (11); Flux's Namespace, 2 Secrets, Chart and FluxInstance (5); the wait for Flux Ready and the
// SOPS canaries applied (FluxReady, 1).
const EXPECTED_CREATES = 45;

const EXAMPLE_NET = "192.168.10.";
const LOOPBACK_NET = "127.0.10.";

function ok(result: CommandResult) {
  return { command: result.command, status: result.status, stderr: result.status === 0 ? "" : `${result.stderr}\n${result.stdout}`.slice(-4000) };
}

/**
 * The example stack file with its addresses on loopback and Flux not installed, keeping everything the README's
 * steps wrote into it (encryptionsalt, the secrets). Returns the nodes for FakeCluster.
 */
function substituteLoopback(stackFile: string): E2eNode[] {
  const text = readFileSync(stackFile, "utf8")
    .replaceAll(EXAMPLE_NET, LOOPBACK_NET)
    .replace(/https:\/\/pve1\.homelab\.example\.net:8006\//, "https://127.0.0.1:8006/")
    .replace(/- 1\.1\.1\.1$/m, `- ${LOOPBACK_NET}1`);
  const doc = parseDocument(text);
  doc.setIn(["config", "talos-homelab:flux", "install"], false);
  writeFileSync(stackFile, doc.toString(), { mode: 0o600 });
  const config = doc.toJS() as { config: Record<string, unknown> };
  const network = config.config["talos-homelab:network"] as { subnet: string; nameservers: string[] };
  const vip = (config.config["talos-homelab:controlPlane"] as { vip: string }).vip;
  const addresses = [...doc.toString().matchAll(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/g)].map((m) => m[0]);
  if (addresses.some((a) => !isLoopback(a)) || network.subnet !== E2E_SUBNET || vip !== E2E_VIP) {
    throw new Error(`the substituted stack still has a non-loopback address: ${addresses.join(", ")}`);
  }
  const nodes = config.config["talos-homelab:nodes"] as { name: string; role: "controlplane" | "worker"; ip: string; vmId: number }[];
  return nodes.map((n) => ({ name: n.name, role: n.role, ip: n.ip.split("/")[0] as string, vmId: n.vmId }));
}

describe("README stand-up steps under the real Pulumi engine (loopback only)", () => {
  let box: Sandbox;
  let ns: LoopbackNetns | undefined;
  let cluster: FakeCluster | undefined;
  const upTo = online.indexOf(FIRST_STEP_NEEDING_A_CLUSTER);

  beforeAll(() => {
    box = sandbox();
  }, 3_600_000);

  afterAll(async () => {
    await cluster?.stop();
    ns?.close();
    for (const dir of [box?.cwd, box?.home]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("the README's online steps create the backend folder, log in, set the secrets, preview, stand up and fetch the talosconfig", () => {
    expect(online.slice(0, 2)).toEqual(["mkdir -p ~/.pulumi-state", 'pulumi login "file://$HOME/.pulumi-state"']);
    expect(upTo).toBeGreaterThan(2);
    expect(online[upTo - 1]).toBe("pulumi preview");
    expect(online.slice(upTo + 1).some((command) => command.startsWith("pulumi stack output talosconfig"))).toBe(true);
    expect(online.slice(upTo + 1).some((command) => /\bsops -d\b/.test(command))).toBe(true);
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

  it("`pulumi up` and every later step succeed, in reading order, against fake nodes on loopback", async () => {
    const nodes = substituteLoopback(join(box.cwd, "Pulumi.homelab.yaml"));
    expect(nodes.map((n) => n.ip)).toEqual(["127.0.10.11", "127.0.10.12", "127.0.10.13", "127.0.10.21", "127.0.10.22"]);
    ns = await LoopbackNetns.create();
    cluster = await FakeCluster.start(ns, compatTool("TALOS_ORACLE_V1_14"), box.home, nodes);
    const env = {
      ...box.env,
      PATH: `${dirname(compatTool("SOPS_BIN"))}:${box.env.PATH ?? ""}`,
      // What a person answers at `pulumi up`'s confirmation prompt.
      PULUMI_SKIP_CONFIRMATIONS: "true",
    };
    for (const command of online.slice(upTo)) {
      const result = await runInNetns(ns, box.cwd, ["bash", "-euo", "pipefail", "-c", command], env, { timeoutMs: 900_000 });
      expect(result.code, `${command}\n${tail(result)}`).toBe(0);
      console.log(`README step \`${command}\`: ${result.seconds.toFixed(1)} s`);
    }
    expect(await survivorsIn(box.cwd), "processes of the README steps still alive").toEqual([]);
  }, 1_800_000);

  it("the talosconfig the README decrypts into ~/.talos/config is the cluster's admin talosconfig on the (loopback) nodes", () => {
    const talosconfig = parseDocument(readFileSync(join(box.home, ".talos/config"), "utf8")).toJS() as {
      context: string;
      contexts: Record<string, { endpoints: string[]; ca: string; crt: string; key: string }>;
    };
    expect(talosconfig.context).toBe("homelab");
    const context = talosconfig.contexts.homelab;
    expect(context?.endpoints).toEqual(["127.0.10.11", "127.0.10.12", "127.0.10.13"]);
    expect(Buffer.from(context?.key ?? "", "base64").toString("utf8")).toMatch(/PRIVATE KEY/);
  });
});
