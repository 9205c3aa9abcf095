/**
 * Issue 16 item 9 (Must show): for random stack configs drawn from the schema's neighbourhood (typos of keys at every
 * level, out-of-range values), `render` either succeeds with a valid tree or fails naming the field; it never
 * succeeds while ignoring a key the user wrote.
 */
import fc from "fast-check";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkGitopsTree } from "../../gitops/check";
import { renderGitopsTree } from "../../gitops/render";
import { makeSandbox, type Sandbox } from "../gitops/sandbox";

const NOW = new Date("2025-06-01T12:00:00Z");
let base: Sandbox;
let baseConfig: Record<string, unknown>;

beforeAll(async () => {
  base = makeSandbox();
  await renderGitopsTree({ stackFile: base.stackFile, env: base.env, now: NOW });
  baseConfig = (parse(readFileSync(base.stackFile, "utf8")) as { config: Record<string, unknown> }).config;
}, 120_000);
afterAll(() => base.cleanup());

type Json = Record<string, unknown>;
interface Mutation {
  describe: string;
  apply(config: Json): void;
  /** Text the refusal must contain (the field); `undefined` when success is allowed. */
  mustFailNaming?: string;
  /** The field a failure must name when the value is merely out of range. */
  field?: string;
}

/** A typo people make: a dropped, doubled or swapped character, a changed case, a plural/singular slip. */
const typo = fc.tuple(fc.constantFrom("drop", "double", "swap", "case", "plural"), fc.nat()).map(([kind, n]) => (key: string): string => {
  const i = n % key.length;
  switch (kind) {
    case "drop":
      return key.length > 2 ? key.slice(0, i) + key.slice(i + 1) : `${key}x`;
    case "double":
      return key.slice(0, i) + key[i] + key.slice(i);
    case "swap":
      return i + 1 < key.length && key[i] !== key[i + 1] ? key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2) : `${key}_`;
    case "case":
      return key.slice(0, i) + (key[i] === key[i].toUpperCase() ? key[i].toLowerCase() : key[i].toUpperCase()) + key.slice(i + 1);
    default:
      return key.endsWith("s") ? key.slice(0, -1) : `${key}s`;
  }
});

const NS = "talos-homelab:";
const topKeys = (): string[] => Object.keys(baseConfig).filter((k) => k.startsWith(NS)).map((k) => k.slice(NS.length));
const NESTED: Array<[string, string[]]> = [
  ["controlPlane", ["vip", "certSANs"]],
  ["network", ["bridge", "subnet", "gateway", "nameservers"]],
  ["proxmox", ["endpoint", "insecure"]],
  ["flux", ["url", "branch"]],
  ["image", ["extensions"]],
];

const topTypo: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(), typo).map(([n, t]) => {
  const keys = topKeys();
  const key = keys[n % keys.length];
  const wrong = t(key);
  return {
    describe: `talos-homelab:${key} -> ${wrong}`,
    apply: (c) => {
      if (wrong === key) return;
      c[NS + wrong] = c[NS + key];
      delete c[NS + key];
    },
    mustFailNaming: wrong === key ? undefined : `${NS}${wrong}`,
  };
});

const nestedTypo: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(), fc.nat(), typo).map(([a, b, t]) => {
  const [parent, children] = NESTED[a % NESTED.length];
  const key = children[b % children.length];
  const wrong = t(key);
  return {
    describe: `${parent}.${key} -> ${wrong}`,
    apply: (c) => {
      const obj = c[NS + parent] as Json;
      if (wrong === key) return;
      obj[wrong] = obj[key];
      delete obj[key];
    },
    mustFailNaming: wrong === key ? undefined : wrong,
  };
});

const nodeTypo: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(4), fc.constantFrom("cores", "memory", "diskSize", "vmId", "ip", "mac", "role"), typo).map(([i, key, t]) => {
  const wrong = t(key);
  return {
    describe: `nodes[${i}].${key} -> ${wrong}`,
    apply: (c) => {
      const node = (c[`${NS}nodes`] as Json[])[i];
      if (wrong === key) return;
      node[wrong] = node[key];
      delete node[key];
    },
    mustFailNaming: wrong === key ? undefined : wrong,
  };
});

const outOfRange: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(4), fc.constantFrom("cores", "memory", "diskSize", "vmId"), fc.integer({ min: -10, max: 2_000_000_000 })).map(([i, key, v]) => ({
    describe: `nodes[${i}].${key} = ${v}`,
    apply: (c: Json) => (((c[`${NS}nodes`] as Json[])[i][key] = v)),
    field: `nodes[${i}].${key}`,
  })),
  fc.integer({ min: -5, max: 5000 }).map((v) => ({ describe: `network.vlan = ${v}`, apply: (c: Json) => (((c[`${NS}network`] as Json).vlan = v)), field: "network.vlan" })),
  fc.integer({ min: 0, max: 40 }).map((p) => ({ describe: `network.subnet = 192.168.10.0/${p}`, apply: (c: Json) => (((c[`${NS}network`] as Json).subnet = `192.168.10.0/${p}`)), field: "network.subnet" })),
  fc.integer({ min: 0, max: 300 }).map((o) => ({ describe: `controlPlane.vip = 192.168.10.${o}`, apply: (c: Json) => (((c[`${NS}controlPlane`] as Json).vip = `192.168.10.${o}`)), field: "controlPlane.vip" })),
);

describe("render over the schema's neighbourhood", () => {
  it("succeeds with a valid tree or fails naming the field; never ignores a key the user wrote", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(topTypo, nestedTypo, nodeTypo, outOfRange), async (mutation) => {
        const dir = mkdtempSync(join(tmpdir(), "talos-homelab-neighbourhood-"));
        try {
          const config = structuredClone(baseConfig);
          mutation.apply(config);
          const stackFile = join(dir, "Pulumi.homelab.yaml");
          writeFileSync(stackFile, stringify({ config }));
          const outDir = join(dir, "tree");
          cpSync(base.outDir, outDir, { recursive: true });
          let error: Error | undefined;
          try {
            await renderGitopsTree({ stackFile, outDir, env: base.env, now: NOW });
          } catch (e) {
            error = e as Error;
          }
          if (mutation.mustFailNaming !== undefined) {
            expect(error, `${mutation.describe} was accepted`).toBeDefined();
            expect(error?.message, mutation.describe).toContain(mutation.mustFailNaming);
          } else if (error !== undefined) {
            // a refusal must name the field it is about (range problems may also surface as a dependent field, e.g. a node IP outside a new subnet)
            const named = mutation.field === undefined || error.message.includes(mutation.field) || /nodes\[\d\]\.(ip|gateway)|network\.gateway/.test(error.message);
            expect(named, `${mutation.describe}: ${error.message}`).toBe(true);
            expect(error.message, mutation.describe).toMatch(/Fix: /);
          } else {
            const report = await checkGitopsTree(outDir, { env: base.env });
            expect(report.findings, mutation.describe).toEqual([]);
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 40 },
    );
  }, 600_000);
});
