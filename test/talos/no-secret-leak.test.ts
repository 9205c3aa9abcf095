import fs from "node:fs";
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { contractFor } from "../../talos/contract";
import { renderAdminKubeconfig } from "../../talos/kubeconfig";
import { generateSecretsBundle } from "../../talos/secrets-bundle";
import { validateSecretsBundle } from "../../talos/secrets-validate";
import { parseSecretsYaml, serializeSecretsYaml } from "../../talos/secrets-yaml";
import { renderTalosconfig } from "../../talos/talosconfig";

const TALOS_DIR = join(__dirname, "../../talos");
const forbidden = /\bconsole\.[A-Za-z]+\s*\(|process\.(?:stdout|stderr)\.write|\b(?:writeFile|writeFileSync|appendFile|appendFileSync|createWriteStream|writeSync|renameSync)\b/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("talos/ never logs or writes a secret", () => {
  it("generates, serializes, validates and renders without console output, stdout/stderr writes or file writes", async () => {
    const sinks = [
      ...(["log", "info", "warn", "error", "debug", "trace", "dir", "table"] as const).map((m) => vi.spyOn(console, m)),
      vi.spyOn(process.stdout, "write"),
      vi.spyOn(process.stderr, "write"),
      ...(["writeFileSync", "writeFile", "appendFileSync", "appendFile", "createWriteStream", "writeSync", "write", "renameSync", "rename"] as const).map(
        (m) => vi.spyOn(fs, m),
      ),
      ...(["writeFile", "appendFile", "rename"] as const).map((m) => vi.spyOn(fs.promises, m)),
    ];

    const bundle = await generateSecretsBundle(contractFor("v1.11.5"));
    const yaml = serializeSecretsYaml(bundle);
    validateSecretsBundle(parseSecretsYaml(yaml));
    expect(() => validateSecretsBundle({ ...bundle, cluster: { id: "", secret: "" } })).toThrow();
    expect(() => parseSecretsYaml("certs:\n    os:\n        key: '%%%'\n")).toThrow();
    const talosconfig = await renderTalosconfig(bundle, { contextName: "c", endpoints: ["10.0.0.1"], nodes: [] });
    await renderTalosconfig(bundle, { contextName: "c", endpoints: ["10.0.0.1"], nodes: [], existing: talosconfig });
    const kubeconfig = await renderAdminKubeconfig(bundle, { clusterName: "c", endpoint: "https://10.0.0.10:6443" });
    await renderAdminKubeconfig(bundle, { clusterName: "c", endpoint: "https://10.0.0.10:6443", existing: kubeconfig });

    for (const sink of sinks) expect(sink).not.toHaveBeenCalled();
  });

  it("has no console, stdout/stderr or file-write call anywhere in talos/ sources", () => {
    const offenders = sourceFiles(TALOS_DIR).flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .map((line, i) => ({ line, at: `${relative(TALOS_DIR, file)}:${i + 1}` }))
        .filter(({ line }) => forbidden.test(line) && !/^\s*(?:\/\/|\*)/.test(line))
        .map(({ line, at }) => `${at}: ${line.trim()}`),
    );
    expect(sourceFiles(TALOS_DIR).length).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });

  it("the static check catches the patterns it is meant to", () => {
    for (const bad of ["console.log(bundle)", "fs.writeFileSync(p, s)", "await writeFile(p, s)", "process.stderr.write(s)", "console.error (x)"]) {
      expect(forbidden.test(bad)).toBe(true);
    }
    expect(forbidden.test("const consoleText = 1; readFileSync(p)")).toBe(false);
  });
});
