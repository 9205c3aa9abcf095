import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");

interface Debuggable {
  debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
  leakedPromises(): [Set<Promise<unknown>>, string];
  promiseDebugString(p: Promise<unknown>): string;
}
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as Debuggable;

// Node's own formatter, or source-map-support's when a runner installed it; absent at run time when neither did.
const original = Error.prepareStackTrace as typeof Error.prepareStackTrace | undefined;
let formatted = 0;
function countFormatting(): void {
  formatted = 0;
  Error.prepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => {
    formatted++;
    return original ? original(error, frames) : `${String(error)}\n${frames.map((f) => `    at ${String(f)}`).join("\n")}`;
  };
}
afterEach(() => {
  Object.assign(Error, { prepareStackTrace: original });
});

function promiseMadeByTheProgram(): Promise<unknown> {
  return debuggable.debuggablePromise(new Promise(() => undefined), "transferProperty(resource:vm, cpu, Output<T>)");
}

describe("patches/@pulumi+pulumi: promise debug stacks are formatted only when a leak is reported", () => {
  it("the patch is made for the pinned SDK version, so a version bump fails `npm ci` until it is remade", () => {
    const sdkVersion = (JSON.parse(readFileSync(join(ROOT, "node_modules/@pulumi/pulumi/package.json"), "utf8")) as { version: string }).version;
    expect(readdirSync(join(ROOT, "patches"))).toEqual([`@pulumi+pulumi+${sdkVersion}.patch`]);
    const scripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.postinstall).toBe("patch-package --error-on-fail");
  });

  it("creating a debuggable promise formats no stack (it used to format one per promise, through source maps)", () => {
    countFormatting();
    for (let i = 0; i < 100; i++) void promiseMadeByTheProgram();
    expect(formatted).toBe(0);
    debuggable.leakedPromises();
  });

  it("a leak report (PULUMI_DEBUG_PROMISE_LEAKS) still shows where each leaked promise was made", () => {
    countFormatting();
    void promiseMadeByTheProgram();
    const [leaks] = debuggable.leakedPromises();
    expect(leaks.size).toBe(1);
    expect(formatted).toBe(0);
    const report = debuggable.promiseDebugString([...leaks][0] as Promise<unknown>);
    expect(formatted).toBe(1);
    expect(report).toContain("transferProperty(resource:vm, cpu, Output<T>)");
    expect(report).toMatch(/STACK_TRACE:\nError: ?\n\s+at Object\.debuggablePromise .*\n\s+at promiseMadeByTheProgram .*pulumi-sdk-patch\.test\.ts:/);
  });
});
