import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

const REPO_ROOT = resolve(__dirname, "../../..");
const TSX_CLI = join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs");
const STANDIN = join(REPO_ROOT, "test/engine/e2e/kube-standin.ts");

export interface KubeStandinOptions {
  readonly dir: string;
  /** Loopback address to listen on (port 6443). */
  readonly host: string;
  /** Node name -> its fake apid's record file. */
  readonly records: ReadonlyMap<string, string>;
  readonly kubeletVersion: string;
  readonly rebootSeconds: number;
  /** ns/name@node[:ds] */
  readonly pods?: readonly string[];
}

export interface KubeStandinControl {
  notReady?: string[];
  pdbBlocked?: string[];
}

function openssl(args: string[]): void {
  const result = spawnSync("openssl", args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
}

/** A Kubernetes CA and an admin client certificate (O=system:masters), made with openssl, in 0600 files. */
function kubePki(dir: string): { ca: string; crt: string; key: string; caFile: string; caKeyFile: string } {
  const f = (name: string) => join(dir, name);
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=kubernetes", "-days", "1",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,digitalSignature", "-keyout", f("ca.key"), "-out", f("ca.crt")]);
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f("admin.key")]);
  openssl(["req", "-new", "-key", f("admin.key"), "-subj", "/O=system:masters/CN=admin", "-out", f("admin.csr")]);
  writeFileSync(f("admin.ext"), "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n");
  openssl(["x509", "-req", "-in", f("admin.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-set_serial", "2", "-days", "1", "-extfile", f("admin.ext"), "-out", f("admin.crt")]);
  return { ca: readFileSync(f("ca.crt"), "utf8"), crt: readFileSync(f("admin.crt"), "utf8"), key: readFileSync(f("admin.key"), "utf8"), caFile: f("ca.crt"), caKeyFile: f("ca.key") };
}

/** The loopback Kubernetes stand-in (test/engine/e2e/kube-standin.ts) for a running fake cluster, with an admin kubeconfig. */
export class KubeStandin {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly kubeconfig: string,
    private readonly controlFile: string,
    private readonly recordFile: string,
  ) {}

  static async start(options: KubeStandinOptions): Promise<KubeStandin> {
    const dir = join(options.dir, "kube");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const pki = kubePki(dir);
    const controlFile = join(dir, "control.json");
    const recordFile = join(dir, "kube.jsonl");
    const names = [...options.records.keys()];
    const args = [
      TSX_CLI, STANDIN,
      "--listen", `${options.host}:6443`,
      "--nodes", names.join(","),
      "--apid-records", names.map((n) => options.records.get(n) as string).join(","),
      "--record", recordFile,
      "--work", dir,
      "--ca-crt", pki.caFile, "--ca-key", pki.caKeyFile,
      "--ready",
      "--reboot-seconds", String(options.rebootSeconds),
      "--kubelet-version", options.kubeletVersion,
      "--control", controlFile,
      ...(options.pods !== undefined && options.pods.length > 0 ? ["--pods", options.pods.join(",")] : []),
    ];
    const child = spawn(process.execPath, args, { stdio: "pipe" });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<string>((done, reject) => {
      createInterface({ input: child.stdout }).once("line", done);
      child.once("exit", (code) => reject(new Error(`kube stand-in exited with ${code}: ${stderr.trim()}`)));
    });
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const kubeconfig = [
      "apiVersion: v1",
      "kind: Config",
      `clusters:\n  - name: fake\n    cluster:\n      server: https://${options.host}:6443\n      certificate-authority-data: ${b64(pki.ca)}`,
      `users:\n  - name: admin@fake\n    user:\n      client-certificate-data: ${b64(pki.crt)}\n      client-key-data: ${b64(pki.key)}`,
      "contexts:\n  - name: admin@fake\n    context:\n      cluster: fake\n      user: admin@fake",
      "current-context: admin@fake",
    ].join("\n");
    return new KubeStandin(child, kubeconfig, controlFile, recordFile);
  }

  /** Replaces the control file (atomically): nodes told not to be Ready, evictions a PDB blocks. */
  control(control: KubeStandinControl): void {
    writeFileSync(`${this.controlFile}.tmp`, JSON.stringify(control), { mode: 0o600 });
    renameSync(`${this.controlFile}.tmp`, this.controlFile);
  }

  /** The requests it served, in order: {method, path, status}. */
  requests(): { method: string; path: string; status: number }[] {
    if (!existsSync(this.recordFile)) return [];
    return readFileSync(this.recordFile, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { event: string; method: string; path: string; status: number })
      .filter((e) => e.event === "request");
  }

  stop(): Promise<void> {
    return new Promise((done) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return done();
      this.child.once("exit", () => done());
      this.child.stdin.end();
      this.child.kill("SIGTERM");
    });
  }
}
