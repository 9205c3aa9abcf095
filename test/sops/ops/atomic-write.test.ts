import { promises as fs, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { writeFileAtomic } from "../../../sops/atomic-write";
import { useTempDir } from "./helpers";

const tempDir = useTempDir();

describe("writeFileAtomic", () => {
  it("replaces the file with the given mode and leaves no temp file", async () => {
    const dir = tempDir();
    const target = join(dir, "f.yaml");
    writeFileSync(target, "old");
    await writeFileAtomic(target, "new content");
    expect(readFileSync(target, "utf8")).toBe("new content");
    expect(statSync(target).mode & 0o777).toBe(0o600);
    await writeFileAtomic(target, Buffer.from("x"), 0o644);
    expect(statSync(target).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir)).toEqual(["f.yaml"]);
  });

  it("an interrupted write (failure before the rename) keeps the old file intact and leaves nothing behind", async () => {
    const dir = tempDir();
    const target = join(dir, "secret.yaml");
    writeFileSync(target, "original");
    const spy = vi.spyOn(fs, "rename").mockRejectedValueOnce(Object.assign(new Error("simulated crash"), { code: "EIO" }));
    try {
      await expect(writeFileAtomic(target, "half".repeat(10000))).rejects.toThrow("simulated crash");
    } finally {
      spy.mockRestore();
    }
    expect(readFileSync(target, "utf8")).toBe("original");
    expect(readdirSync(dir)).toEqual(["secret.yaml"]);
  });

  it("a failure while opening (e.g. a missing folder) leaves nothing behind", async () => {
    const dir = tempDir();
    await expect(writeFileAtomic(join(dir, "nope", "f"), "x")).rejects.toThrow();
    mkdirSync(join(dir, "sub"));
    expect(readdirSync(dir)).toEqual(["sub"]);
  });
});
