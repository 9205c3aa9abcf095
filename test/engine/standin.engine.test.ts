import { cpSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PASSPHRASE, ROOT, inLoopbackNamespace, toolchainEnv, type Sandbox } from "./engine-harness";

/** The stand-in proxmoxve provider under the real engine: a small program (fixtures/standin) with one VM and one ISO. */
function standinProject(): Sandbox {
  const cwd = mkdtempSync(join(tmpdir(), "engine-standin-"));
  for (const file of ["Pulumi.yaml", "package.json", "index.cjs"]) cpSync(join(__dirname, "fixtures/standin", file), join(cwd, file));
  symlinkSync(join(ROOT, "node_modules"), join(cwd, "node_modules"));
  const home = join(cwd, "home");
  mkdirSync(join(home, "state"), { recursive: true });
  const env: NodeJS.ProcessEnv = { ...toolchainEnv(), HOME: home, PULUMI_BACKEND_URL: `file://${join(home, "state")}`, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE };
  delete env.PULUMI_NODEJS_TSCONFIG_PATH; // a plain JavaScript program
  return { cwd, home, env };
}

describe("stand-in proxmoxve provider under the real engine", () => {
  let box: Sandbox;
  const run = (command: string) => inLoopbackNamespace(command, box);
  const output = (r: { stdout: string; stderr: string }) => `${r.stdout}\n${r.stderr}`;

  beforeAll(() => {
    box = standinProject();
    expect(run("pulumi stack init test --non-interactive").status).toBe(0);
  });

  it("refuses an input value the npm package's types do not allow, naming the property and the allowed values", () => {
    expect(run("pulumi config set endpoint https://127.0.0.1:8006/ && pulumi config set bios uefi").status).toBe(0);
    const bios = run("pulumi preview --non-interactive --color never");
    expect(bios.status).not.toBe(0);
    expect(output(bios)).toMatch(/bios.*"uefi" is not allowed: must be one of ovmf, seabios/);
    // contentType's allowed values come from its doc comment in the package's .d.ts
    expect(run("pulumi config set bios ovmf && pulumi config set contentType disk").status).toBe(0);
    const contentType = run("pulumi preview --non-interactive --color never");
    expect(contentType.status).not.toBe(0);
    expect(output(contentType)).toMatch(/contentType.*"disk" is not allowed: must be one of iso, import, vztmpl/);
    expect(run("pulumi config rm contentType").status).toBe(0);
  });

  it("previews against any endpoint (nothing is contacted) but refuses to create against one that is not loopback", () => {
    expect(run("pulumi config set endpoint https://pve1.homelab.example.net:8006/").status).toBe(0);
    expect(run("pulumi preview --non-interactive --color never").status).toBe(0);
    const up = run("pulumi up --yes --non-interactive --color never");
    expect(up.status).not.toBe(0);
    expect(output(up)).toContain('refusing to create proxmoxve:download/file:File against endpoint "https://pve1.homelab.example.net:8006/": only loopback endpoints');
  });

  it("creates, updates in place and deletes the VM and the ISO with the real provider's ids", () => {
    expect(run("pulumi config set endpoint https://127.0.0.1:8006/").status).toBe(0);
    const up = run("pulumi up --yes --non-interactive --color never --skip-preview");
    expect({ status: up.status, out: up.status === 0 ? "" : output(up) }).toEqual({ status: 0, out: "" });
    const outputs = JSON.parse(run("pulumi stack output --json").stdout) as Record<string, unknown>;
    expect(outputs).toEqual({ isoId: "local:iso/talos-v1.11.5.iso", vmId: 1101, vmResourceId: "1101" });

    expect(run("pulumi config set vmName cp-one").status).toBe(0);
    const rename = run("pulumi preview --non-interactive --color never");
    expect(rename.status).toBe(0);
    expect(rename.stdout).toMatch(/~ 1 to update/);
    expect(rename.stdout).not.toMatch(/to replace/);
    expect(run("pulumi up --yes --non-interactive --skip-preview").status).toBe(0);
    expect(run("pulumi preview --non-interactive --color never --expect-no-changes").status).toBe(0);
    expect(run("pulumi refresh --yes --non-interactive --skip-preview --expect-no-changes").status).toBe(0);

    const destroy = run("pulumi destroy --yes --non-interactive --skip-preview");
    expect({ status: destroy.status, out: destroy.status === 0 ? "" : output(destroy) }).toEqual({ status: 0, out: "" });
  });
});
