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

/** A value that is exactly one repository secret, `${{ secrets.NAME }}`. */
const SECRET_REF = /^\$\{\{\s*secrets\.[A-Z0-9_]+\s*\}\}$/;
/** Names of env vars and `with` inputs that carry a secret (a plain `key`, as actions/cache's, does not). */
const SECRET_NAME = /TOKEN|PASSWORD|PASSPHRASE|SECRET|PRIVATE|IDENTITY|CREDENTIAL|(API|SSH|ACCESS)[_-]?KEY/i;
/** Shapes of key material that must never stand in a workflow: age identities, PEM keys, Proxmox tokens, GitHub tokens. */
const SECRET_TEXT = /AGE-SECRET-KEY-1|PRIVATE KEY|[A-Za-z0-9]+@pam!|gh[pousr]_[A-Za-z0-9]{20,}/;

/** Every env var or `with` input whose name says it carries a secret, but whose value is not a secrets reference. */
function literalSecrets(wf: Workflow): string[] {
  const found: string[] = [];
  const check = (where: string, values: Record<string, unknown> | undefined) => {
    for (const [name, value] of Object.entries(values ?? {})) {
      if (SECRET_NAME.test(name) && !SECRET_REF.test(String(value))) found.push(`${where}.${name}`);
    }
  };
  check("env", wf.env);
  for (const [jobName, j] of Object.entries(wf.jobs)) {
    check(`jobs.${jobName}.env`, j.env);
    j.steps.forEach((s, i) => {
      check(`jobs.${jobName}.steps[${i}].env`, s.env);
      check(`jobs.${jobName}.steps[${i}].with`, s.with);
    });
  }
  return found;
}

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

  it("the pull-request workflow runs the checks (types and lint too: preview checks neither) and previews every stack with secrets from the repository", () => {
    const wf = load("pull-request.yaml");
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    const runs = Object.values(wf.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ""));
    const text = runs.join("\n");
    for (const cmd of ["npm ci", "npm run typecheck", "npm run lint", "npm test", "npx talos-homelab check", "pulumi preview", "Pulumi.*.yaml"]) expect(text).toContain(cmd);
    const uses = Object.values(wf.jobs).flatMap((j) => j.steps.map((s) => s.uses ?? ""));
    expect(uses.some((u) => u.startsWith("actions/setup-node@"))).toBe(true);
    expect(uses.some((u) => u.startsWith("pulumi/actions@"))).toBe(true);
    expect(uses.some((u) => u.startsWith("actions/github-script@"))).toBe(true);
    const env = wf.jobs.preview?.env ?? {};
    for (const name of ["PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PROXMOX_VE_API_TOKEN"]) {
      expect(env[name]).toBe(`\${{ secrets.${name} }}`);
    }
  });

  it("every workflow sets up the Node.js version the project declares in .node-version (no second copy to drift)", () => {
    for (const file of ["pull-request.yaml", "main.yaml"]) {
      const steps = Object.values(load(file).jobs).flatMap((j) => j.steps);
      const setups = steps.filter((s) => (s.uses ?? "").startsWith("actions/setup-node@"));
      expect(setups.length, file).toBeGreaterThan(0);
      for (const s of setups) expect(s.with, file).toMatchObject({ "node-version-file": ".node-version" });
      for (const s of setups) expect(s.with?.["node-version"], file).toBeUndefined();
    }
  });

  it("the main workflow runs the compat suite", () => {
    const wf = load("main.yaml");
    expect(Object.keys(wf.on)).toEqual(["push"]);
    const runs = Object.values(wf.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ""));
    expect(runs).toContain("npm run test:compat");
  });

  it("no workflow holds a literal secret: secret-named values are secrets references, and no key material appears", () => {
    for (const file of files) {
      expect(readFileSync(join(WORKFLOWS, file), "utf8"), file).not.toMatch(SECRET_TEXT);
      expect(literalSecrets(load(file)), file).toEqual([]);
    }
    const preview = load("pull-request.yaml").jobs.preview;
    expect(Object.keys(preview?.env ?? {}).filter((n) => SECRET_NAME.test(n)).length).toBeGreaterThan(3);
  });

  it("the literal-secret check finds a literal passphrase, a literal token input and pasted key material", () => {
    const wf = workflow.parse({
      name: "x",
      on: { push: {} },
      jobs: {
        a: {
          "runs-on": "ubuntu-latest",
          env: { PULUMI_CONFIG_PASSPHRASE: "hunter2", PULUMI_BACKEND_URL: "${{ secrets.PULUMI_BACKEND_URL }}" },
          steps: [{ uses: "actions/checkout@v4", with: { "api-key": "abc", "fetch-depth": 0 } }, { run: "echo", env: { GIT_TOKEN: "${{ github.token }}x" } }],
        },
      },
    });
    expect(literalSecrets(wf)).toEqual(["jobs.a.env.PULUMI_CONFIG_PASSPHRASE", "jobs.a.steps[0].with.api-key", "jobs.a.steps[1].env.GIT_TOKEN"]);
    expect("token: ghp_0123456789abcdefABCDEF0123").toMatch(SECRET_TEXT);
    expect("PROXMOX_VE_API_TOKEN=root@pam!pulumi=0000").toMatch(SECRET_TEXT);
  });
});
