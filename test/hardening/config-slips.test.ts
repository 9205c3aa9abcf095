/** Issue 16 items 2 and 9: stack config that used to slip through validation. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { readStackConfig, stackFileSource, validateConfig } from "../../config";
import { EXAMPLE_STACK, problems, withChange } from "../config/fixtures";
import { aliasBomb } from "./parse-bounds";

const flux = (c: Record<string, unknown>) => c.flux as Record<string, unknown>;

describe("flux.url never carries a credential (item 2)", () => {
  const cases: Array<[string, string, string]> = [
    ["token as the user name", "https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/me/gitops.git", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"],
    ["x-access-token user with token password", "https://x-access-token:ghs_SECRETVALUE123@github.com/me/gitops.git", "ghs_SECRETVALUE123"],
    ["token in the query", "https://github.com/me/gitops.git?token=s3cr3t-token-value", "s3cr3t-token-value"],
    ["access_token in the query", "https://gitlab.example.net/me/gitops.git?access_token=glpat-abcdef123456", "glpat-abcdef123456"],
    ["any user name on https", "https://oauth2@gitlab.example.net/me/gitops.git", "oauth2@"],
    ["password on ssh", "ssh://git:hunter2-secret@github.com/me/gitops.git", "hunter2-secret"],
    ["token in the fragment", "https://github.com/me/gitops.git#ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"],
  ];
  it.each(cases)("%s is refused, redacted", (_name, url, secret) => {
    const message = problems(withChange((c) => (flux(c).url = url)));
    expect(message).toMatch(/flux\.url = ".*": holds a credential in the URL.*Fix: .*talos-homelab:gitToken/);
    expect(message).not.toContain(secret);
  });

  it("accepts ssh://git@host (the SSH user is no credential)", () => {
    expect(() => validateConfig(withChange((c) => (flux(c).url = "ssh://git@github.com/me/gitops.git")))).not.toThrow();
  });
});

describe("network.subnet and the VIP (item 9)", () => {
  const net = (c: Record<string, unknown>) => c.network as Record<string, unknown>;
  const cp = (c: Record<string, unknown>) => c.controlPlane as Record<string, unknown>;
  it.each([["192.168.10.0"], ["192.168.10.0/33"], ["lan"], ["192.168.10.0/24/1"]])("network.subnet %s is not a CIDR", (subnet) => {
    expect(problems(withChange((c) => (net(c).subnet = subnet)))).toMatch(new RegExp(`network\\.subnet = "${subnet.replace(/[./]/g, "\\$&")}": is not an IPv4 CIDR.*Fix: write it as`));
  });
  it("network.subnet with host bits set names the network address", () => {
    expect(problems(withChange((c) => (net(c).subnet = "192.168.10.7/24")))).toMatch(/network\.subnet = "192\.168\.10\.7\/24": has host bits set.*Fix: write it as 192\.168\.10\.0\/24/);
  });
  it.each([["192.168.10.0"], ["192.168.10.255"]])("VIP %s (network or broadcast address) is refused", (vip) => {
    expect(problems(withChange((c) => (cp(c).vip = vip)))).toMatch(new RegExp(`controlPlane\\.vip = "${vip.replace(/\./g, "\\.")}": is the network or broadcast address`));
  });
});

describe("unknown keys in the talos-homelab namespace (item 9)", () => {
  function stackWith(mutate: (config: Record<string, unknown>) => void): string {
    const dir = mkdtempSync(join(tmpdir(), "talos-homelab-cfg-"));
    const doc = parse(readFileSync(EXAMPLE_STACK, "utf8")) as { config: Record<string, unknown> };
    mutate(doc.config);
    const path = join(dir, "Pulumi.homelab.yaml");
    writeFileSync(path, stringify(doc));
    return path;
  }
  it("a typo such as ageRecipient is refused with the key it resembles", () => {
    const path = stackWith((c) => (c["talos-homelab:ageRecipient"] = ["age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq"]));
    try {
      expect(() => readStackConfig(stackFileSource(path), {})).toThrow(/talos-homelab:ageRecipient: is not a talos-homelab setting.*Fix: did you mean talos-homelab:ageRecipients\?/);
    } finally {
      rmSync(join(path, ".."), { recursive: true, force: true });
    }
  });
  it("other namespaces are left alone", () => {
    const path = stackWith((c) => (c["proxmoxve:insecure"] = true));
    try {
      expect(() => readStackConfig(stackFileSource(path), {})).not.toThrow();
    } finally {
      rmSync(join(path, ".."), { recursive: true, force: true });
    }
  });
});

describe("the stack file is read under the parse bounds", () => {
  it.each([["an alias bomb", aliasBomb(), /excessive aliasing/], ["100,000 nesting levels", `config:\n  talos-homelab:image: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`, /nesting deeper than 256 levels/]])("%s is refused with a clear error", (_name, text, error) => {
    const dir = mkdtempSync(join(tmpdir(), "talos-homelab-cfg-"));
    try {
      writeFileSync(join(dir, "Pulumi.homelab.yaml"), text);
      expect(() => stackFileSource(join(dir, "Pulumi.homelab.yaml"))).toThrow(error);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
