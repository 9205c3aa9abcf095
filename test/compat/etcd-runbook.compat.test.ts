import { execFileSync, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { encryptText, formatAgeKeyFile, generateAgeIdentity } from "../../sops/index";
import { withSnapshotHash } from "../../talos/etcd/snapshot-integrity";
import { FakeTalosCluster, type FakeTalosClusterOptions } from "./helpers/fake-talos-cluster";
import { requireOracle, requireTool } from "./helpers/tools";

// The commands of docs/operations.md's "etcd backups" and "Disaster recovery" sections, copied from the document and
// run verbatim (bash, from the project folder, `npx` and `sops` on PATH: the bundled CLI and the real sops) against
// fake clusters of `talos-oracle serve` processes on 127.x.y.z. Only the `pulumi` steps are not run here.

const ROOT = resolve(__dirname, "../..");
const DOC = readFileSync(join(ROOT, "docs/operations.md"), "utf8");
const oracle = requireOracle("v1.14");
const work = mkdtempSync(join(tmpdir(), "etcd-runbook-"));
const TREE = "rendered/homelab";
const clusters: FakeTalosCluster[] = [];
let count = 0;

const served = withSnapshotHash(randomBytes(16 * 4096));
const servedFile = join(work, "served.db");
writeFileSync(servedFile, served);
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** The shell commands of the `sh online` blocks in the section under `heading`, up to the next heading of its level or above. */
function sectionCommands(heading: string): string[] {
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const start = DOC.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/operations.md has no section "${heading}"`);
  const rest = DOC.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`\\n#{1,${level}} `));
  const body = end < 0 ? rest : rest.slice(0, end);
  return [...body.matchAll(/^\s*```sh online\n([\s\S]*?)^\s*```/gm)].flatMap((m) =>
    (m[1] ?? "").split("\n").map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#")),
  );
}

/** The runbook's steps this suite runs: everything but `pulumi`. */
const runnable = (commands: string[]) => commands.filter((c) => /^(npx talos-homelab etcd |sops -d )/.test(c));

interface Project {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly recipient: string;
}

async function cluster(options: Partial<FakeTalosClusterOptions> = {}): Promise<FakeTalosCluster> {
  const started = await FakeTalosCluster.start({ oracle, dir: join(work, `cluster-${++count}`), etcdSnapshotFile: servedFile, ...options });
  clusters.push(started);
  return started;
}

/** Writes the tree's admin talosconfig for `c` (its control planes; the admin certificate of `pki`'s CA, default c's). */
async function writeTalosconfig(project: Project, c: FakeTalosCluster, pki: FakeTalosCluster = c): Promise<void> {
  const b64 = (pem: string) => Buffer.from(pem).toString("base64");
  const endpoints = c.nodes.filter((n) => n.role === "controlplane").map((n) => n.ip);
  const talosconfig = stringify({ context: "homelab", contexts: { homelab: { endpoints, nodes: endpoints.slice(0, 1), ca: b64(pki.admin.ca), crt: b64(pki.admin.crt), key: b64(pki.admin.key) } } });
  mkdirSync(join(project.dir, TREE, "talos/homelab"), { recursive: true });
  writeFileSync(join(project.dir, TREE, "talos/homelab/talosconfig.sops.yaml"), await encryptText(talosconfig, { format: "yaml", recipients: [project.recipient] }));
}

/** A project folder with the tree in rendered/homelab, `npx talos-homelab` and the real `sops` on PATH, and an operator identity. */
async function project(): Promise<Project> {
  const dir = mkdtempSync(join(work, "project-"));
  const bin = join(dir, ".bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "npx"), `#!/bin/sh\n[ "$1" = talos-homelab ] || exit 127\nshift\nexec "${process.execPath}" "${join(ROOT, "bin/talos-homelab.cjs")}" "$@"\n`);
  chmodSync(join(bin, "npx"), 0o755);
  symlinkSync(requireTool("sops"), join(bin, "sops"));
  const { identity, recipient } = await generateAgeIdentity();
  const home = join(dir, ".home");
  mkdirSync(join(home, ".config/sops/age"), { recursive: true });
  writeFileSync(join(home, ".config/sops/age/keys.txt"), formatAgeKeyFile(identity, recipient), { mode: 0o600 });
  return { dir, recipient, env: { PATH: `${bin}:${process.env.PATH ?? ""}`, HOME: home } };
}

function run(p: Project, command: string) {
  const r = spawnSync("bash", ["--norc", "--noprofile", "-euo", "pipefail", "-c", command], { cwd: p.dir, env: p.env, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", timeout: 120_000 });
  return { command, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, "bin", "build-cli-bundle.cjs")], { cwd: ROOT, stdio: "pipe" });
}, 120_000);
afterEach(async () => {
  for (const c of clusters.splice(0)) await c.stop();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("docs/operations.md runbook, run verbatim against fake clusters on loopback", () => {
  it("etcd backups: the snapshot command writes a snapshot the documented `sops -d` reads back byte for byte", async () => {
    const commands = runnable(sectionCommands("## etcd backups"));
    expect(commands).toEqual([expect.stringMatching(/^npx talos-homelab etcd snapshot /), expect.stringMatching(/^sops -d /)]);
    const p = await project();
    await writeTalosconfig(p, await cluster());
    const [snapshot, verify] = commands.map((c) => run(p, c));
    expect({ status: snapshot?.status, stderr: snapshot?.stderr }).toEqual({ status: 0, stderr: "" });
    expect({ status: verify?.status, stderr: verify?.stderr, stdout: verify?.stdout.trim() }).toEqual({ status: 0, stderr: "", stdout: String(served.length) });
  });

  it("all VMs lost: after a backup, the documented `etcd recover` bootstraps the rebuilt cluster from the newest snapshot", async () => {
    const recover = runnable(sectionCommands("### All VMs lost: rebuild from the Git tree and the latest snapshot"));
    expect(recover).toEqual([expect.stringMatching(/^npx talos-homelab etcd recover /)]);
    const p = await project();
    const old = await cluster();
    await writeTalosconfig(p, old);
    for (const c of runnable(sectionCommands("## etcd backups"))) expect(run(p, c).status).toBe(0);
    await old.stop();
    // the VMs come back on their addresses with the imported secrets: here new loopback addresses, the same CA
    const rebuilt = await cluster({ start: "configured", extraArgs: () => ["--ca-crt", join(old.dir, "os-ca.crt"), "--ca-key", join(old.dir, "os-ca.key")] });
    await writeTalosconfig(p, rebuilt, old);
    const r = run(p, recover[0] as string);
    expect({ status: r.status, stdout: r.stdout, stderr: r.status === 0 ? "" : r.stderr }).toMatchObject({ status: 0, stdout: expect.stringContaining(`bootstrapped on node ${rebuilt.node("cp-1").ip}`), stderr: "" });
    expect(rebuilt.state()).toMatchObject({ bootstrapped: true, recoveredBy: "cp-1", recoveredFromSha256: sha256(served) });
  });

  it("one control plane lost: the documented snapshot skips it and `etcd remove-member` removes its member via a healthy one", async () => {
    const commands = runnable(sectionCommands("### One control plane lost"));
    expect(commands).toEqual([expect.stringMatching(/^npx talos-homelab etcd snapshot /), expect.stringMatching(/^npx talos-homelab etcd remove-member .* cp-3$/)]);
    const p = await project();
    const c = await cluster();
    await writeTalosconfig(p, c);
    expect(c.state().members.map((m) => m.hostname).sort()).toEqual(["cp-1", "cp-2", "cp-3"]);
    // cp-1 (first endpoint) is the one that is lost in this run: it answers nothing
    const lost = ["EtcdSnapshot", "EtcdMemberList", "EtcdStatus", "EtcdRemoveMemberByID"].map((m) => `${m}:code=Unavailable:message=connection refused`);
    c.setFaults("cp-1", { fail: lost });
    const [snapshot, remove] = commands.map((command) => run(p, command.replace(/ cp-3$/, " cp-1")));
    expect(snapshot?.status).toBe(0);
    expect(snapshot?.stdout).toContain(`from node ${c.node("cp-2").ip}`);
    expect({ status: remove?.status, stdout: remove?.stdout }).toMatchObject({
      status: 0,
      stdout: expect.stringMatching(new RegExp(`^removed etcd member cp-1 \\(\\d+\\) via node ${c.node("cp-2").ip.replaceAll(".", "\\.")}; members left: cp-2, cp-3\\n$`)),
    });
    expect(c.state().members.map((m) => m.hostname).sort()).toEqual(["cp-2", "cp-3"]);
    // the member it talks to, an unknown member and the last member are refused
    c.setFaults("cp-1", {});
    const self = run(p, `npx talos-homelab etcd remove-member --tree ${TREE} --node ${c.node("cp-2").ip} cp-2`);
    expect(self.stderr).toMatch(/is the member "cp-2" itself: ask another control plane with --node/);
    const unknown = run(p, `npx talos-homelab etcd remove-member --tree ${TREE} --node ${c.node("cp-2").ip} cp-9`);
    expect(unknown.stderr).toMatch(/etcd has no member "cp-9" \(members, asked of .*: cp-2 \(\d+\), cp-3 \(\d+\)\)/);
  });
});
