import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { installerImage, isoFileName, isoUrl } from "../../talos/image-factory";
import { canonicalExtensions, canonicalSchematicYaml, schematicId } from "../../talos/schematic";

const VANILLA = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";
const QEMU_GUEST_AGENT = "ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515";

describe("schematicId", () => {
  it("reproduces the image factory's published ids", () => {
    expect(schematicId([])).toBe(VANILLA);
    expect(schematicId(["siderolabs/qemu-guest-agent"])).toBe(QEMU_GUEST_AGENT);
    expect(schematicId(["qemu-guest-agent"])).toBe(QEMU_GUEST_AGENT);
  });

  it("is the SHA-256 of the canonical yaml.v3 text", () => {
    const yaml = canonicalSchematicYaml(["siderolabs/iscsi-tools", "siderolabs/qemu-guest-agent"]);
    expect(yaml).toBe(
      "customization:\n    systemExtensions:\n        officialExtensions:\n            - siderolabs/iscsi-tools\n            - siderolabs/qemu-guest-agent\n",
    );
    expect(schematicId(["siderolabs/iscsi-tools", "siderolabs/qemu-guest-agent"])).toBe(createHash("sha256").update(yaml).digest("hex"));
  });

  it("does not depend on order, duplicates or the siderolabs/ prefix", () => {
    const a = schematicId(["qemu-guest-agent", "siderolabs/iscsi-tools"]);
    expect(schematicId(["siderolabs/iscsi-tools", "siderolabs/qemu-guest-agent", "qemu-guest-agent"])).toBe(a);
    expect(canonicalExtensions(["util-linux-tools", "siderolabs/iscsi-tools"])).toEqual(["siderolabs/iscsi-tools", "siderolabs/util-linux-tools"]);
  });

  it("writes kernel args, META and secureboot in the factory's field order", () => {
    expect(
      canonicalSchematicYaml(["qemu-guest-agent"], {
        extraKernelArgs: ["net.ifnames=0", "console=ttyS0"],
        meta: [{ key: 10, value: "x" }],
        includeWellKnownCertificates: true,
      }),
    ).toBe(
      [
        "customization:",
        "    extraKernelArgs:",
        "        - net.ifnames=0",
        "        - console=ttyS0",
        "    meta:",
        "        - key: 10",
        "          value: x",
        "    systemExtensions:",
        "        officialExtensions:",
        "            - siderolabs/qemu-guest-agent",
        "    secureboot:",
        "        includeWellKnownCertificates: true",
        "",
      ].join("\n"),
    );
  });

  it("refuses a malformed extension name or META key", () => {
    expect(() => schematicId(["Qemu Guest Agent"])).toThrow(
      'system extension "Qemu Guest Agent": not an official extension name; write it as siderolabs/<name>, e.g. siderolabs/qemu-guest-agent',
    );
    expect(() => schematicId([], { meta: [{ key: 256, value: "x" }] })).toThrow("schematic meta key 256: must be an integer 0-255");
  });
});

describe("image factory URLs", () => {
  const base = { schematicId: QEMU_GUEST_AGENT, talosVersion: "v1.11.5" };

  it("builds the nocloud ISO URL with and without SecureBoot", () => {
    expect(isoUrl({ ...base, secureBoot: true })).toBe(`https://factory.talos.dev/image/${QEMU_GUEST_AGENT}/v1.11.5/nocloud-amd64-secureboot.iso`);
    expect(isoUrl({ ...base, secureBoot: false, arch: "arm64" })).toBe(`https://factory.talos.dev/image/${QEMU_GUEST_AGENT}/v1.11.5/nocloud-arm64.iso`);
    expect(isoFileName({ ...base, secureBoot: true })).toBe("talos-v1.11.5-ce4c980550dd-nocloud-amd64-secureboot.iso");
  });

  it("builds the platform installer image", () => {
    expect(installerImage({ ...base, secureBoot: true })).toBe(`factory.talos.dev/nocloud-installer-secureboot/${QEMU_GUEST_AGENT}:v1.11.5`);
    expect(installerImage({ ...base, secureBoot: false })).toBe(`factory.talos.dev/nocloud-installer/${QEMU_GUEST_AGENT}:v1.11.5`);
    expect(installerImage({ ...base, secureBoot: false, platform: "metal" })).toBe(`factory.talos.dev/metal-installer/${QEMU_GUEST_AGENT}:v1.11.5`);
  });

  it("refuses a bad schematic id or version", () => {
    expect(() => isoUrl({ ...base, schematicId: "abc", secureBoot: false })).toThrow('schematic id "abc": must be 64 lower-case hex characters');
    expect(() => installerImage({ ...base, talosVersion: "1.11.5", secureBoot: false })).toThrow(
      'Talos version "1.11.5": write it as v<major>.<minor>.<patch>, e.g. v1.11.5',
    );
  });
});
