import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { generateAgeIdentity } from "../../sops/age-identities";
import { parseSecretsYaml } from "../../talos/secrets-yaml";
import { compatTool } from "./e2e/compat-tools";
import { ConnectionTrap, E2E_NODES, E2E_SUBNET, E2E_VIP, FakeCluster, type ApidCall } from "./e2e/fake-cluster";
import { LoopbackNetns } from "./e2e/netns";
import { type PulumiResult, runPulumi, tail } from "./e2e/pulumi-run";
import { type Sandbox, sandbox, survivorsIn } from "./engine-harness";

// `pulumi up` of an end-to-end stack, for real: the Pulumi CLI and language host built by test/engine/build.sh,
// the stand-in proxmoxve provider, one `talos-oracle serve` fake apid per node (fresh nodes in maintenance mode
// that become configured nodes with the applied CA), and a loopback stand-in for the Kubernetes readiness calls.
// Everything runs inside one network namespace that has only `lo` (unshare -n; ip link set lo up), held open for
// the whole file so that the fakes and each `pulumi` run (entered with nsenter) see each other on 127.0.10.0/24.
//
// Flux runs in preview only: its chart comes from a registry that is not reachable here, and installing it needs a
// real Kubernetes API (the Chart asks the API server for /version and /openapi/v2 as soon as the kubeconfig is known),
// which the readiness stand-in is not. A remote component is constructed whatever --exclude/--target say, so the
// stack turns Flux off with its own setting: the first `pulumi preview` of the new stack (and of the killed stack)
// plans the Flux resources with `flux.install` at its default (true); every `up`, `refresh` and `destroy` runs with
// `flux.install: false`, which stops the chain after the health check and the tree (the tree's Flux files included).

function findFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? findFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

const bootstrapCalls = (calls: readonly ApidCall[]) => calls.filter((c) => c.method === "/machine.MachineService/Bootstrap");
const applyCalls = (calls: readonly ApidCall[]) => calls.filter((c) => c.method === "/machine.MachineService/ApplyConfiguration");

describe("pulumi up of the end-to-end stack (real engine, loopback fakes)", () => {
  const work = mkdtempSync(join(tmpdir(), "talos-homelab-e2e-"));
  const stateDir = join(work, "state");
  const treeDir = join(work, "tree");
  const stack = "e2e";
  const killedStack = "e2e-killed";
  let box: Sandbox;
  const values = {
    passphrase: randomBytes(18).toString("base64"),
    gitToken: `ghp_e2e${randomBytes(16).toString("hex")}`,
    proxmoxToken: `root@pam!e2e=${randomBytes(16).toString("hex")}`,
    clusterIdentity: "",
    operatorIdentity: "",
    operatorRecipient: "",
  };
  let ns: LoopbackNetns;
  let cluster: FakeCluster | undefined;
  const timings: string[] = [];

  function env(): NodeJS.ProcessEnv {
    return {
      ...box.env,
      PULUMI_BACKEND_URL: `file://${stateDir}`,
      PULUMI_CONFIG_PASSPHRASE: values.passphrase,
      PROXMOX_VE_API_TOKEN: values.proxmoxToken,
      TALOS_HOMELAB_GIT_TOKEN: values.gitToken,
      TALOS_HOMELAB_AGE_IDENTITY: values.clusterIdentity,
    };
  }

  async function pulumi(label: string, args: string[], opts?: Parameters<typeof runPulumi>[4]): Promise<PulumiResult> {
    const result = await runPulumi(ns, box.cwd, args, env(), opts);
    timings.push(`${label}: ${result.seconds.toFixed(1)} s (exit ${result.code})`);
    return result;
  }

  function stackConfig(outputDir: string, workerPatch: Record<string, unknown>, fluxInstall: boolean) {
    const nodes = E2E_NODES.map((node) => ({
      name: node.name,
      role: node.role,
      proxmoxNode: "pve1",
      vmId: node.vmId,
      ip: `${node.ip}/24`,
      cores: 2,
      memory: 4096,
      diskSize: 32,
      ...(node.name === "worker-1" ? { patches: [workerPatch] } : {}),
    }));
    return {
      config: {
        "talos-homelab:clusterName": "e2e",
        "talos-homelab:talosVersion": "v1.11.5",
        "talos-homelab:kubernetesVersion": "1.34.1",
        "talos-homelab:controlPlane": { vip: E2E_VIP },
        "talos-homelab:proxmox": { endpoint: "https://127.0.0.1:8006/", insecure: true },
        "talos-homelab:network": { subnet: E2E_SUBNET, gateway: "127.0.10.1", nameservers: ["127.0.10.1"] },
        "talos-homelab:nodes": nodes,
        "talos-homelab:ageRecipients": [values.operatorRecipient],
        // Never contacted: the Git URL only goes into the FluxInstance, which runs in preview only here.
        "talos-homelab:flux": { url: "https://127.0.0.1:3000/homelab-gitops.git", install: fluxInstall },
        "talos-homelab:outputDir": outputDir,
      },
    };
  }

  const LABELS = { "homelab.example.net/storage": "true" };
  /** Writes Pulumi.<name>.yaml in the sandbox checkout, keeping what `pulumi stack init` added (encryptionsalt). */
  const writeStack = (name: string, outputDir: string, options: { labels?: Record<string, string>; fluxInstall?: boolean } = {}) => {
    const file = join(box.cwd, `Pulumi.${name}.yaml`);
    const kept = existsSync(file) ? (parse(readFileSync(file, "utf8")) as Record<string, unknown>) : {};
    const config = stackConfig(outputDir, { machine: { nodeLabels: options.labels ?? LABELS } }, options.fluxInstall ?? false);
    writeFileSync(file, stringify({ ...kept, ...config }), { mode: 0o600 });
  };

  beforeAll(async () => {
    box = sandbox();
    compatTool("SOPS_BIN");
    for (const dir of [stateDir, treeDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
    const cluster_ = await generateAgeIdentity();
    const operator = await generateAgeIdentity();
    values.clusterIdentity = cluster_.identity;
    values.operatorIdentity = operator.identity;
    values.operatorRecipient = operator.recipient;
    writeStack(stack, treeDir, { fluxInstall: true });
    writeStack(killedStack, join(work, "killed-tree"), { fluxInstall: true });
    ns = await LoopbackNetns.create();
  }, 900_000);

  afterAll(async () => {
    await cluster?.stop();
    ns?.close();
    console.log(`engine e2e timings:\n  ${timings.join("\n  ")}`);
    rmSync(work, { recursive: true, force: true });
    for (const dir of [box?.cwd, box?.home]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("a preview of a stack whose `up` was killed right after the machine secrets makes no connection to the cluster", async () => {
    const init = await pulumi("stack init (killed)", ["stack", "init", killedStack, "--secrets-provider", "passphrase", "--non-interactive"]);
    expect(init.code, tail(init)).toBe(0);
    // No node answers yet: the up gets as far as the machine secrets and is killed (its process group, SIGKILL).
    const killed = await pulumi("up, killed after the machine secrets", ["up", "--yes", "--skip-preview", "--non-interactive", "-s", killedStack], {
      // Right after the machine secrets; the admin kubeconfig, issued from them at once, is in the state too (the
      // case where a preview used to hand the Kubernetes provider a known kubeconfig before the cluster was healthy).
      killWhen: (out) => /e2e-machine-secrets\s+created/.test(out) && /e2e-admin-kubeconfig\s+created/.test(out),
      killDelayMs: 1500,
      timeoutMs: 300_000,
    });
    expect(killed.stdout, tail(killed)).toMatch(/e2e-machine-secrets\s+created/);
    expect(killed.code, tail(killed)).not.toBe(0);
    // Pulumi starts each plugin in a process group of its own: none of them, nor the language host, may outlive the
    // killed run (orphaned dynamic providers were seen spinning at 4 GB each).
    expect(await survivorsIn((box as Sandbox).cwd), "processes of the killed run still alive").toEqual([]);
    const state = await pulumi("stack export (killed)", ["stack", "export", "-s", killedStack]);
    const urns = ((JSON.parse(state.stdout) as { deployment: { resources?: { urn: string }[] } }).deployment.resources ?? []).map((r) => r.urn);
    expect(urns.some((u) => u.endsWith("::e2e-admin-kubeconfig"))).toBe(true);
    expect(urns.some((u) => u.endsWith("::e2e-health"))).toBe(false);

    const trap = await ConnectionTrap.start(ns, work);
    try {
      const preview = await pulumi("preview after the killed up", ["preview", "--diff", "--non-interactive", "-s", killedStack]);
      expect(preview.code, tail(preview)).toBe(0);
      expect(trap.connections(), "connections to the cluster's addresses during the preview").toEqual([]);
    } finally {
      await trap.stop();
    }
  }, 600_000);

  it("pulumi preview of the new stack plans every resource, Flux included, and exits 0", async () => {
    const init = await pulumi("stack init", ["stack", "init", stack, "--secrets-provider", "passphrase", "--non-interactive"]);
    expect(init.code, tail(init)).toBe(0);
    const preview = await pulumi("first preview", ["preview", "--json", "--non-interactive", "-s", stack]);
    expect(preview.code, tail(preview)).toBe(0);
    const steps = (JSON.parse(preview.stdout) as { steps: { op: string; urn: string }[] }).steps;
    const types = steps.map((s) => s.urn.split("::")[2] ?? "");
    for (const type of ["kubernetes:helm.sh/v4:Chart", "kubernetes:fluxcd.controlplane.io/v1:FluxInstance", "kubernetes:core/v1:Secret", "kubernetes:core/v1:Namespace", "dynamic/talos-homelab:FluxReady"]) {
      expect(types.some((t) => t.endsWith(type)), `${type} in the plan`).toBe(true);
    }
    expect(steps.every((s) => s.op === "create" || s.op === "same")).toBe(true);
  }, 300_000);

  it("pulumi up runs the whole chain and exits 0", async () => {
    writeStack(stack, treeDir, { fluxInstall: false });
    cluster = await FakeCluster.start(ns, compatTool("TALOS_ORACLE_V1_11"), work);
    const up = await pulumi("up", ["up", "--yes", "--skip-preview", "--non-interactive", "-s", stack], { timeoutMs: 900_000 });
    expect(up.code, tail(up)).toBe(0);
  }, 900_000);

  it("the fake apids received one maintenance-mode apply per node, of the config in the tree, and exactly one bootstrap", async () => {
    const fake = cluster as FakeCluster;
    const identityEnv = { ...process.env, SOPS_AGE_KEY: values.operatorIdentity };
    let bootstraps = 0;
    for (const node of E2E_NODES) {
      const calls = fake.apidCalls(node.name);
      const applies = applyCalls(calls);
      expect(applies.map((c) => [c.mode, c.code, c.request?.mode]), node.name).toEqual([["maintenance", "OK", "AUTO"]]);
      const inTree = spawnSync(compatTool("SOPS_BIN"), ["--decrypt", join(treeDir, "talos/e2e", `${node.name}.sops.yaml`)], { env: identityEnv, encoding: "utf8" });
      expect(inTree.status, inTree.stderr).toBe(0);
      expect(Buffer.from(String(applies[0]?.request?.data), "base64").toString("utf8"), `${node.name}: applied config = tree copy`).toBe(inTree.stdout);
      const nodeBootstraps = bootstrapCalls(calls);
      bootstraps += nodeBootstraps.length;
      if (node.name === "cp-1") expect(nodeBootstraps.map((c) => [c.mode, c.roles, c.code])).toEqual([["configured", ["os:admin"], "OK"]]);
      if (node.role === "controlplane") {
        expect(calls.some((c) => c.method === "/machine.MachineService/EtcdMemberList" && c.code === "OK" && c.mode === "configured")).toBe(true);
      }
      // security.tpmDiskEncryption (default on): the health check read STATE and EPHEMERAL's VolumeStatus on every node.
      const volumeReads = calls.filter((c) => c.method === "/cosi.resource.State/Get" && c.code === "OK" && JSON.stringify(c.request).includes("VolumeStatuses.block.talos.dev"));
      for (const id of ["STATE", "EPHEMERAL"]) expect(volumeReads.some((c) => JSON.stringify(c.request).includes(`"${id}"`)), `${node.name}: VolumeStatus ${id} read`).toBe(true);
      expect(calls.filter((c) => c.code === "PermissionDenied")).toEqual([]);
    }
    expect(bootstraps).toBe(1);
    const kube = fake.kubeEvents();
    expect(kube.some((e) => e.event === "request" && e.path === "/readyz" && e.status === 200)).toBe(true);
    expect(kube.some((e) => e.event === "request" && e.path === "/api/v1/nodes" && e.status === 200)).toBe(true);
    expect(kube.filter((e) => e.event === "request" && e.status === 404)).toEqual([]);
  });

  it("the tree's files decrypt with the real sops: all with the operator identity, only clusters/ with the cluster identity", () => {
    const files = findFiles(treeDir).map((f) => relative(treeDir, f)).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        ".sops.yaml",
        "talos/e2e/secrets.sops.yaml",
        "talos/e2e/talosconfig.sops.yaml",
        "talos/e2e/kubeconfig.sops.yaml",
        ...E2E_NODES.map((n) => `talos/e2e/${n.name}.sops.yaml`),
        "clusters/e2e/flux-system/sops-age.sops.yaml",
        "clusters/e2e/flux-system/git-credentials.sops.yaml",
        "clusters/e2e/infrastructure/sops-canary-infrastructure.sops.yaml",
        "clusters/e2e/apps/sops-canary-apps.sops.yaml",
      ]),
    );
    const sops = compatTool("SOPS_BIN");
    for (const file of files.filter((f) => f.endsWith(".sops.yaml") && f !== ".sops.yaml")) {
      expect(statSync(join(treeDir, file)).mode & 0o077, `${file} is not readable by others`).toBe(0);
      const asOperator = spawnSync(sops, ["--decrypt", join(treeDir, file)], { env: { ...process.env, SOPS_AGE_KEY: values.operatorIdentity }, encoding: "utf8" });
      expect(asOperator.status, `${file}: ${asOperator.stderr}`).toBe(0);
      // recipients by need: Flux's identity reads clusters/ and nothing under talos/
      const asCluster = spawnSync(sops, ["--decrypt", join(treeDir, file)], { env: { ...process.env, SOPS_AGE_KEY: values.clusterIdentity, SOPS_AGE_KEY_FILE: "" }, encoding: "utf8" });
      expect(asCluster.status, `${file}: ${asCluster.stderr}`).toBe(file.startsWith("clusters/") ? 0 : 128);
    }
    const bundle = spawnSync(sops, ["--decrypt", join(treeDir, "talos/e2e/secrets.sops.yaml")], { env: { ...process.env, SOPS_AGE_KEY: values.operatorIdentity }, encoding: "utf8" });
    expect(parseSecretsYaml(bundle.stdout).cluster.secret.length).toBeGreaterThan(20);
  });

  it("pulumi stack export holds no plaintext secret: not the values put in, not the machine secrets, no PEM or age key in any spelling", async () => {
    const exported = await pulumi("stack export", ["stack", "export", "-s", stack]);
    expect(exported.code, tail(exported)).toBe(0);
    const state = exported.stdout;
    expect(state).toContain("e2e-machine-secrets");
    const sops = compatTool("SOPS_BIN");
    const bundleText = spawnSync(sops, ["--decrypt", join(treeDir, "talos/e2e/secrets.sops.yaml")], { env: { ...process.env, SOPS_AGE_KEY: values.operatorIdentity }, encoding: "utf8" }).stdout;
    const bundle = parseSecretsYaml(bundleText);
    const pemBody = (pem: string) => pem.split("\n").filter((l) => l !== "" && !l.startsWith("-----")).join("");
    const secrets = [
      values.passphrase,
      values.gitToken,
      values.proxmoxToken,
      values.clusterIdentity,
      values.operatorIdentity,
      bundle.cluster.secret,
      bundle.secrets.bootstrapToken,
      bundle.trustdInfo.token,
      bundle.secrets.secretboxEncryptionSecret ?? "",
      ...[bundle.certs.os.key, bundle.certs.k8s.key, bundle.certs.etcd.key, bundle.certs.k8sAggregator.key, bundle.certs.k8sServiceAccount.key].map(pemBody),
    ].filter((s) => s !== "");
    const spellings = (s: string) => [s, s.toLowerCase(), Buffer.from(s).toString("base64"), Buffer.from(s).toString("hex"), JSON.stringify(s).slice(1, -1)];
    for (const secret of secrets) for (const spelling of spellings(secret)) expect(state.includes(spelling), `a secret (${secret.length} chars) in some spelling`).toBe(false);
    // SOPS ciphertext carries "-----BEGIN AGE ENCRYPTED FILE-----" (the encrypted data key): anything else PEM is not.
    const keyMaterial = [/-----BEGIN (?!AGE ENCRYPTED FILE-----)/i, /PRIVATE KEY/i, /AGE-SECRET-KEY-1/i, /LS0tLS1CRUdJTi/, /QUdFLVNFQ1JFVC1LRVkt/i, /2d2d2d2d2d424547494e/i];
    for (const pattern of keyMaterial) expect(pattern.test(state), `state matches ${String(pattern)}`).toBe(false);
    // The configs the nodes received (plain in the fake apids' records) are nowhere in the state either.
    for (const node of E2E_NODES) {
      const data = String(applyCalls((cluster as FakeCluster).apidCalls(node.name))[0]?.request?.data);
      expect(state.includes(data.slice(0, 200))).toBe(false);
    }
  });

  it("a second pulumi up changes nothing and calls no node again", async () => {
    const before = E2E_NODES.map((n) => applyCalls((cluster as FakeCluster).apidCalls(n.name)).length + bootstrapCalls((cluster as FakeCluster).apidCalls(n.name)).length);
    const up = await pulumi("second up", ["up", "--yes", "--expect-no-changes", "--non-interactive", "-s", stack]);
    expect(up.code, tail(up)).toBe(0);
    const after = E2E_NODES.map((n) => applyCalls((cluster as FakeCluster).apidCalls(n.name)).length + bootstrapCalls((cluster as FakeCluster).apidCalls(n.name)).length);
    expect(after).toEqual(before);
  }, 600_000);

  const newLabel = `fast-ssd-${randomBytes(4).toString("hex")}`;

  it("after one node's patch changes, the preview shows exactly that node's apply changing, naming the config paths and no value", async () => {
    const newValue = newLabel;
    writeStack(stack, treeDir, { labels: { "homelab.example.net/storage": newValue } });
    {
      const json = await pulumi("preview after a patch change (json)", ["preview", "--json", "--non-interactive", "-s", stack]);
      expect(json.code, tail(json)).toBe(0);
      const steps = (JSON.parse(json.stdout) as { steps: { op: string; urn: string }[] }).steps;
      const changedApplies = steps.filter((s) => s.op !== "same" && s.urn.includes("TalosConfigApply")).map((s) => [s.op, s.urn.split("::").at(-1)]);
      expect(changedApplies).toEqual([["update", "e2e-worker-1-config"]]);
      expect(steps.filter((s) => s.op !== "same").map((s) => s.urn.split("::").at(-1)).sort()).toEqual(["e2e-gitops-tree", "e2e-worker-1-config"]);

      const diff = await pulumi("preview --diff after a patch change", ["preview", "--diff", "--non-interactive", "-s", stack]);
      expect(diff.code, tail(diff)).toBe(0);
      const section = diff.stdout.slice(diff.stdout.indexOf("e2e-worker-1-config"));
      // The display lists the whole map; the changed paths are the lines marked "~" with "old => new".
      const changedLines = section.split("\n").filter((line) => /^\s*~ /.test(line) && line.includes("=>"));
      console.log(`preview --diff after the patch change, worker-1's changed lines:\n${changedLines.join("\n")}`);
      expect(section).toMatch(/~ configPaths: \{/);
      expect(changedLines.map((line) => line.replace(/\s+/g, " ").trim())).toEqual([
        expect.stringMatching(/^~ machine\.nodeLabels\["homelab\.example\.net\/storage"\] ?: "[0-9a-f]{16}" => "[0-9a-f]{16}"$/),
      ]);
      expect(diff.stdout).not.toContain(newValue);
      for (const other of E2E_NODES.filter((n) => n.name !== "worker-1")) expect(diff.stdout).not.toMatch(new RegExp(`~ .*e2e-${other.name}-config`));
    }
  }, 600_000);

  it("pulumi up of that change applies it to that node alone, over mutual TLS, and logs the changed paths", async () => {
    const fake = cluster as FakeCluster;
    const before = Object.fromEntries(E2E_NODES.map((n) => [n.name, fake.apidCalls(n.name).length]));
    const up = await pulumi("up of the patch change", ["up", "--yes", "--skip-preview", "--non-interactive", "-s", stack]);
    expect(up.code, tail(up)).toBe(0);
    expect(up.stdout).toContain('changed config paths: machine.nodeLabels["homelab.example.net/storage"]');
    expect(up.stdout).not.toContain(newLabel);
    for (const node of E2E_NODES) {
      const fresh = fake.apidCalls(node.name).slice(before[node.name]);
      if (node.name !== "worker-1") {
        expect(applyCalls(fresh), node.name).toEqual([]);
        continue;
      }
      const applies = applyCalls(fresh);
      expect(applies.map((c) => [c.mode, c.roles, c.code, c.request?.mode])).toEqual([["configured", ["os:admin"], "OK", "AUTO"]]);
      const inTree = spawnSync(compatTool("SOPS_BIN"), ["--decrypt", join(treeDir, "talos/e2e/worker-1.sops.yaml")], { env: { ...process.env, SOPS_AGE_KEY: values.operatorIdentity }, encoding: "utf8" });
      expect(Buffer.from(String(applies[0]?.request?.data), "base64").toString("utf8")).toBe(inTree.stdout);
      expect(inTree.stdout).toContain(newLabel);
    }
  }, 600_000);

  it("pulumi refresh finds no changes", async () => {
    const refresh = await pulumi("refresh", ["refresh", "--yes", "--expect-no-changes", "--non-interactive", "-s", stack]);
    expect(refresh.code, tail(refresh)).toBe(0);
  }, 600_000);

  it("pulumi destroy refuses the protected resources until they are unprotected, then exits 0 and leaves the tree", async () => {
    const refused = await pulumi("destroy (protected)", ["destroy", "--yes", "--non-interactive", "-s", stack]);
    expect(refused.code, tail(refused)).not.toBe(0);
    expect(`${refused.stdout}${refused.stderr}`).toMatch(/protect/i);
    expect(`${refused.stdout}${refused.stderr}`).toContain("e2e-machine-secrets");
    const unprotect = await pulumi("state unprotect --all", ["state", "unprotect", "--all", "--yes", "-s", stack]);
    expect(unprotect.code, tail(unprotect)).toBe(0);
    const destroy = await pulumi("destroy", ["destroy", "--yes", "--non-interactive", "-s", stack]);
    expect(destroy.code, tail(destroy)).toBe(0);
    expect(existsSync(join(treeDir, "talos/e2e/secrets.sops.yaml")), "destroy leaves the tree in outputDir alone").toBe(true);
    const exported = await pulumi("stack export after destroy", ["stack", "export", "-s", stack]);
    expect((JSON.parse(exported.stdout) as { deployment: { resources?: unknown[] } }).deployment.resources ?? []).toEqual([]);
  }, 600_000);

  it("no process of any pulumi run (language host, provider plugins) outlives its run", async () => {
    expect(await survivorsIn((box as Sandbox).cwd)).toEqual([]);
  });
});
