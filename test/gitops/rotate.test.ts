/**
 * `talos-homelab rotate` as a library: the plan (dry run) writes nothing; applying it gives every SOPS file under the
 * tree (the project's and the user's own, in every store) a fresh data key for its rule's recipients; a rotation
 * killed after any file operation leaves every file decryptable and finishes when run again.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { applyRotation, realRotateIo, RotationBlockedError, type RotateIo } from "../../gitops/rotate-apply";
import { ROTATE_JOURNAL } from "../../gitops/rotate-journal";
import { planRotation, type RotateRequest } from "../../gitops/rotate-plan";
import { parseClusterKeyRing } from "../../kubernetes";
import { readRecipients, formatFromPath, recipientOf } from "../../sops";
import { copyTree, makeRotateTree, openWith, plaintexts, rotateKeys, SOPS_AGE, type RotateKeys } from "./rotate-fixture";
import { snapshot } from "./sandbox";
import { spliceAttack } from "./splice";

let keys: RotateKeys;
let pristine: string;
/** Each file's plaintext as the old keys open it. */
let baseline: Map<string, Buffer>;
const made: string[] = [];
const PATHS = () => Object.keys(plaintexts(keys)).sort();

beforeAll(async () => {
  keys = await rotateKeys();
  pristine = await makeRotateTree(keys);
  made.push(pristine);
  baseline = new Map();
  for (const path of PATHS()) baseline.set(path, (await openWith(pristine, path, [keys.oldCluster.identity, keys.keptOperator.identity]))!);
});
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const fresh = (): string => {
  const dir = copyTree(pristine);
  made.push(dir);
  return dir;
};

function request(root: string): RotateRequest {
  return {
    root,
    change: {
      cluster: { from: keys.oldCluster.recipient, to: keys.newCluster.recipient },
      operators: { from: [keys.keptOperator.recipient, keys.removedOperator.recipient], to: [keys.keptOperator.recipient, keys.addedOperator.recipient] },
    },
    newClusterIdentity: keys.newCluster.identity,
    identities: [keys.oldCluster.identity, keys.newCluster.identity, keys.keptOperator.identity],
  };
}

async function rotate(root: string, io?: RotateIo): Promise<string[]> {
  const req = request(root);
  const plan = await planRotation(req);
  return applyRotation(plan, { identities: req.identities, ...(io !== undefined ? { io } : {}) });
}

const oldKeys = () => [keys.oldCluster.identity, keys.keptOperator.identity, keys.removedOperator.identity];
const newKeys = () => [keys.newCluster.identity, keys.keptOperator.identity, keys.addedOperator.identity];

/** The plaintext the file must have: the baseline, except the sops-age Secret, which may hold the new identity too. */
async function expectSameContent(path: string, plain: Buffer): Promise<void> {
  if (path !== SOPS_AGE) {
    expect(plain.equals(baseline.get(path)!), path).toBe(true);
    return;
  }
  const doc = parse(plain.toString("utf8")) as { data: Record<string, string> };
  const ring = parseClusterKeyRing(Buffer.from(doc.data["age.agekey"], "base64").toString("utf8"));
  expect([ring.current, ...ring.previous]).toContain(keys.oldCluster.identity);
}

describe("rotate: the plan (dry run)", () => {
  it("lists every SOPS file in every store with its recipients before and after, and writes nothing", async () => {
    const root = fresh();
    const before = snapshot(root);
    const plan = await planRotation(request(root));
    expect(plan.files.map((f) => f.path)).toEqual(PATHS());
    expect(plan.files.filter((f) => f.problem !== undefined)).toEqual([]);
    expect(plan.sopsConfig.rulesChanged).toBe(3);
    const db = plan.files.find((f) => f.path === "clusters/lab/apps/db.sops.yaml")!;
    expect(db.before).toEqual([keys.keptOperator.recipient, keys.removedOperator.recipient, keys.oldCluster.recipient]);
    expect(db.after).toEqual([[keys.keptOperator.recipient, keys.addedOperator.recipient, keys.newCluster.recipient]]);
    const talos = plan.files.find((f) => f.path === "talos/lab/secrets.sops.yaml")!;
    expect(talos.after).toEqual([[keys.keptOperator.recipient, keys.addedOperator.recipient]]);
    expect(plan.files.find((f) => f.path === SOPS_AGE)!.keyRing).toBe("new identity added");
    expect(snapshot(root)).toEqual(before);
  });

  it("reports a file no identity at hand can open, and --apply then writes nothing", async () => {
    const root = fresh();
    const req = { ...request(root), identities: [keys.newCluster.identity] };
    const plan = await planRotation(req);
    expect(plan.files.every((f) => f.problem?.includes("cannot be opened with the available identities"))).toBe(true);
    const before = snapshot(root);
    await expect(applyRotation(plan, { identities: req.identities })).rejects.toBeInstanceOf(RotationBlockedError);
    expect(snapshot(root)).toEqual(before);
  });

  it("reports a file that holds sops values its store cannot read (here a damaged one) instead of skipping it", async () => {
    const root = fresh();
    const damaged = join(root, "clusters/lab/apps/damaged.sops.yaml");
    writeFileSync(damaged, readFileSync(join(root, "clusters/lab/apps/db.sops.yaml"), "utf8").replace("sops:", "sops: [broken"));
    const req = request(root);
    const plan = await planRotation(req);
    expect(plan.unreadable.map((u) => u.path)).toEqual(["clusters/lab/apps/damaged.sops.yaml"]);
    const before = snapshot(root);
    await expect(applyRotation(plan, { identities: req.identities })).rejects.toThrow(/damaged\.sops\.yaml: holds sops values but cannot be read/);
    expect(snapshot(root)).toEqual(before);
  });
});

describe("rotate --apply", () => {
  it("gives every file a fresh data key for its rule's recipients: the new keys open it, the removed ones do not (not even by splicing)", async () => {
    const root = fresh();
    const before = snapshot(root);
    const rotated = await rotate(root);
    expect(rotated).toEqual(PATHS());
    expect(existsSync(join(root, ROTATE_JOURNAL))).toBe(false);
    const config = readFileSync(join(root, ".sops.yaml"), "utf8");
    expect(config.startsWith("# a rule a person wrote, kept byte for byte\n")).toBe(true);
    expect(config).not.toContain(keys.oldCluster.recipient);
    expect(config).not.toContain(keys.removedOperator.recipient);
    for (const path of PATHS()) {
      const text = readFileSync(join(root, ...path.split("/")));
      const recipients = readRecipients(text, formatFromPath(path));
      expect(recipients, path).not.toContain(keys.oldCluster.recipient);
      expect(recipients, path).not.toContain(keys.removedOperator.recipient);
      expect(await openWith(root, path, [keys.addedOperator.identity]), path).toBeDefined();
      await expectSameContent(path, (await openWith(root, path, [keys.keptOperator.identity]))!);
      expect(await openWith(root, path, [keys.oldCluster.identity]), path).toBeUndefined();
      expect(await openWith(root, path, [keys.removedOperator.identity]), path).toBeUndefined();
      if (path.startsWith("clusters/")) expect(await openWith(root, path, [keys.newCluster.identity]), path).toBeDefined();
      else expect(await openWith(root, path, [keys.newCluster.identity]), path).toBeUndefined();
      if (path.endsWith(".yaml")) {
        expect(await spliceAttack(text.toString("utf8"), before.get(path)!.bytes.toString("utf8"), keys.removedOperator), path).toBeUndefined();
      }
    }
    const ringDoc = parse((await openWith(root, SOPS_AGE, [keys.newCluster.identity]))!.toString("utf8")) as { data: Record<string, string> };
    const ring = parseClusterKeyRing(Buffer.from(ringDoc.data["age.agekey"], "base64").toString("utf8"));
    expect(await recipientOf(ring.current)).toBe(keys.newCluster.recipient);
    expect(ring.previous).toEqual([keys.oldCluster.identity]);
  });
});

/** Fails the k-th file operation (0-based); a failing write may leave its temp file behind, as kill -9 would. */
function failingIo(k: number, leaveTemp: boolean): RotateIo & { readonly count: () => number } {
  let n = 0;
  const step = async (path: string): Promise<void> => {
    if (n++ !== k) return;
    if (leaveTemp) writeFileSync(`${join(path, "..")}/.${path.split("/").pop()}.crash.tmp`, "partial");
    throw new Error(`injected failure at operation ${k}`);
  };
  return {
    count: () => n,
    write: async (path, data, mode) => {
      await step(path);
      await realRotateIo.write(path, data, mode);
    },
    remove: async (path) => {
      await step(path);
      await realRotateIo.remove(path);
    },
  };
}

describe("rotate killed at any point", () => {
  it("never leaves an undecryptable file, and the same command run again finishes the rotation", async () => {
    const counting = failingIo(-1, false);
    await rotate(fresh(), counting);
    const operations = counting.count();
    expect(operations).toBe(2 + 2 * PATHS().length + 1);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: operations - 1 }), fc.boolean(), async (k, leaveTemp) => {
        const root = fresh();
        await expect(rotate(root, failingIo(k, leaveTemp))).rejects.toThrow(/injected failure/);
        for (const path of PATHS()) {
          const plain = (await openWith(root, path, oldKeys())) ?? (await openWith(root, path, newKeys()));
          expect(plain, `${path} after a failure at operation ${k}`).toBeDefined();
          await expectSameContent(path, plain!);
        }
        await rotate(root);
        expect(readdirSync(root)).not.toContain(ROTATE_JOURNAL);
        for (const path of PATHS()) {
          expect(await openWith(root, path, [keys.addedOperator.identity]), path).toBeDefined();
          expect(await openWith(root, path, [keys.oldCluster.identity, keys.removedOperator.identity]), path).toBeUndefined();
        }
        rmSync(root, { recursive: true, force: true });
      }),
      { numRuns: 15 },
    );
  }, 120_000);
});

/**
 * Runs the rotation in a child process and SIGKILLs it `delayMs` after it reports its `afterFiles`-th rotated file
 * (0: after its plan); resolves with its output.
 */
function killedRotation(root: string, afterFiles: number, delayMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "rotate-child.ts")], {
      env: { ...process.env, ROTATE_REQUEST: JSON.stringify(request(root)) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let armed = false;
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const rotated = (out.match(/^rotated /gm) ?? []).length;
      if (!armed && out.includes("planned\n") && rotated >= afterFiles) {
        armed = true;
        setTimeout(() => child.kill("SIGKILL"), delayMs);
      }
    });
    child.on("error", reject);
    child.on("exit", () => resolvePromise(out));
  });
}

describe("rotate in a process killed with SIGKILL", () => {
  it("never leaves an undecryptable file, wherever the kill lands, and the rerun finishes", async () => {
    let killedMidway = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 5 }), async (afterFiles, delayMs) => {
        const root = fresh();
        const out = await killedRotation(root, afterFiles, delayMs);
        if (!out.includes("done\n")) killedMidway++;
        for (const path of PATHS()) {
          const plain = (await openWith(root, path, oldKeys())) ?? (await openWith(root, path, newKeys()));
          expect(plain, `${path} after a kill ${delayMs} ms after file ${afterFiles}`).toBeDefined();
          await expectSameContent(path, plain!);
        }
        await rotate(root);
        for (const path of PATHS()) expect(await openWith(root, path, [keys.oldCluster.identity, keys.removedOperator.identity]), path).toBeUndefined();
        rmSync(root, { recursive: true, force: true });
      }),
      { numRuns: 8, examples: [[0, 0], [3, 0]] },
    );
    // the kills did land during the rotation, not only after it
    expect(killedMidway).toBeGreaterThan(0);
  }, 180_000);
});
