import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const WORKFLOWS = resolve(__dirname, "../../.github/workflows");

const step = z
  .object({
    name: z.string().optional(),
    id: z.string().regex(/^[A-Za-z_][\w-]*$/).optional(),
    uses: z.string().regex(/^[\w.-]+\/[\w./-]+@[\w.-]+$/, "uses must be owner/repo@ref").optional(),
    run: z.string().min(1).optional(),
    with: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    env: z.record(z.string(), z.string()).optional(),
    if: z.string().optional(),
    "working-directory": z.string().optional(),
    shell: z.string().optional(),
  })
  .strict()
  .refine((s) => (s.uses === undefined) !== (s.run === undefined), "a step has exactly one of uses or run")
  .refine((s) => s.uses !== undefined || s.with === undefined, "with is only valid with uses");

const job = z
  .object({
    "runs-on": z.string(),
    needs: z.union([z.string(), z.array(z.string())]).optional(),
    if: z.string().optional(),
    env: z.record(z.string(), z.string()).optional(),
    permissions: z.record(z.string(), z.enum(["read", "write", "none"])).optional(),
    steps: z.array(step).min(1),
  })
  .strict();

const workflow = z
  .object({
    name: z.string(),
    on: z.partialRecord(z.enum(["push", "pull_request", "workflow_dispatch", "schedule"]), z.unknown()),
    permissions: z.record(z.string(), z.enum(["read", "write", "none"])).optional(),
    env: z.record(z.string(), z.string()).optional(),
    jobs: z.record(z.string().regex(/^[A-Za-z_][\w-]*$/), job),
  })
  .strict();

type Workflow = z.infer<typeof workflow>;

function load(file: string): Workflow {
  return workflow.parse(parse(readFileSync(join(WORKFLOWS, file), "utf8")));
}

const secretRef = /\$\{\{\s*secrets\.([A-Z0-9_]+)\s*\}\}/g;

describe("GitHub workflows", () => {
  const files = readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yaml"));

  it.each(files)("%s matches the workflow shape", (file) => {
    expect(() => load(file)).not.toThrow();
  });

  it("the schema rejects a misspelled key", () => {
    const bad = { name: "x", on: { push: {} }, jobs: { a: { "runs-on": "ubuntu-latest", steps: [{ runs: "echo" }] } } };
    expect(() => workflow.parse(bad)).toThrow();
  });

  it("needs refer to jobs that exist", () => {
    for (const file of files) {
      const wf = load(file);
      for (const j of Object.values(wf.jobs)) {
        for (const need of [j.needs ?? []].flat()) expect(Object.keys(wf.jobs)).toContain(need);
      }
    }
  });

  it("the pull-request workflow runs the checks (types too: preview does not check them) and previews every stack with secrets from the repository", () => {
    const wf = load("pull-request.yaml");
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    const runs = Object.values(wf.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ""));
    const text = runs.join("\n");
    for (const cmd of ["npm ci", "npm run typecheck", "npm test", "npx talos-homelab check", "pulumi preview", "Pulumi.*.yaml"]) expect(text).toContain(cmd);
    const uses = Object.values(wf.jobs).flatMap((j) => j.steps.map((s) => s.uses ?? ""));
    expect(uses.some((u) => u.startsWith("actions/setup-node@"))).toBe(true);
    expect(uses.some((u) => u.startsWith("pulumi/actions@"))).toBe(true);
    expect(uses.some((u) => u.startsWith("actions/github-script@"))).toBe(true);
    const env = wf.jobs.preview?.env ?? {};
    for (const name of ["PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PROXMOX_VE_API_TOKEN"]) {
      expect(env[name]).toBe(`\${{ secrets.${name} }}`);
    }
  });

  it("the main workflow runs the compat suite", () => {
    const wf = load("main.yaml");
    expect(Object.keys(wf.on)).toEqual(["push"]);
    const runs = Object.values(wf.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ""));
    expect(runs).toContain("npm run test:compat");
  });

  it("no workflow holds a literal secret", () => {
    for (const file of files) {
      const text = readFileSync(join(WORKFLOWS, file), "utf8");
      expect(text).not.toMatch(/AGE-SECRET-KEY-1|PRIVATE KEY|[A-Za-z0-9]+@pam!/);
      for (const match of text.matchAll(secretRef)) expect(match[1]).toMatch(/^[A-Z0-9_]+$/);
    }
  });
});
