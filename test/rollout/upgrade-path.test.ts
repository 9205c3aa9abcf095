import { describe, expect, it } from "vitest";
import { kubernetesUpgradeProblem, talosUpgradeProblem } from "../../talos/upgrade-path";

describe("Talos upgrade paths (machinery's MinimumHostUpgradeVersion / MaximumHostDowngradeVersion)", () => {
  it("allows patch upgrades, the next minor and the one-minor skip Talos supports", () => {
    expect(talosUpgradeProblem("v1.13.2", "v1.13.9")).toBeUndefined();
    expect(talosUpgradeProblem("v1.13.9", "v1.14.1")).toBeUndefined();
    expect(talosUpgradeProblem("v1.12.7", "v1.14.1")).toBeUndefined();
    expect(talosUpgradeProblem("v1.11.5", "v1.13.9")).toBeUndefined();
  });

  it("refuses a skip Talos does not support, with the path through the latest patches", () => {
    expect(talosUpgradeProblem("v1.11.5", "v1.14.1")).toBe(
      "Talos v1.14.1 upgrades only from v1.12.0 or newer, and the nodes run v1.11.5: upgrade in steps, " +
        "v1.11.5 -> v1.13.9 -> v1.14.1 (set talosVersion to each and run pulumi up after each)",
    );
    expect(talosUpgradeProblem("v1.9.3", "v1.14.1")).toContain("v1.9.3 -> v1.11.6 -> v1.13.9 -> v1.14.1");
  });

  it("refuses a downgrade past Talos's downgrade window", () => {
    expect(talosUpgradeProblem("v1.14.1", "v1.13.9")).toBeUndefined();
    expect(talosUpgradeProblem("v1.14.1", "v1.12.7")).toBe(
      "Talos v1.14.1 is too new to downgrade to v1.12.7 (Talos v1.12 accepts downgrades only from releases before v1.14.0); " +
        "keep talosVersion at v1.14.1, or downgrade one minor at a time",
    );
  });

  it("Kubernetes: one minor at a time, patches freely, never a minor down", () => {
    expect(kubernetesUpgradeProblem("1.35.4", "1.36.3")).toBeUndefined();
    expect(kubernetesUpgradeProblem("1.35.1", "1.35.4")).toBeUndefined();
    expect(kubernetesUpgradeProblem("1.35.4", "1.37.0")).toBe(
      "jumps 2 minor versions from 1.35.4; Kubernetes upgrades one minor version at a time: upgrade in steps, " +
        "1.35.4 -> 1.36.x -> 1.37.0 (set kubernetesVersion to each, latest patch, and run pulumi up after each)",
    );
    expect(kubernetesUpgradeProblem("1.36.0", "1.35.4")).toMatch(/downgrade/);
  });
});
