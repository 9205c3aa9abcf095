import { describe, expect, it } from "vitest";
import { validateConfig } from "../../config";
import { contractFor, DEFAULT_TALOS_VERSION } from "../../talos/contract";
import { exampleInput, problems, withChange } from "./fixtures";

describe("Talos contracts 1.11 to 1.14", () => {
  it("defaults to v1.14.1 with Kubernetes 1.37.0 (machinery v1.14.1 constants.DefaultKubernetesVersion)", () => {
    expect(DEFAULT_TALOS_VERSION).toBe("v1.14.1");
    expect(contractFor("v1.14.1")).toMatchObject({ name: "v1.14", minor: 14, defaultKubernetesVersion: "1.37.0" });
    expect(contractFor("v1.13.9")).toMatchObject({ name: "v1.13", minor: 13, defaultKubernetesVersion: "1.36.3" });
    const { config } = validateConfig(withChange((c) => { delete c.talosVersion; delete c.kubernetesVersion; }));
    expect(config.talosVersion).toBe("v1.14.1");
    expect(config.kubernetesVersion).toBe("1.37.0");
  });

  it.each([
    ["v1.14.0", /talosVersion = "v1\.14\.0": .*not a Talos release we know: the known v1\.14 releases are v1\.14\.1/],
    ["v1.13.10", /talosVersion = "v1\.13\.10": .*the known v1\.13 releases are v1\.13\.0, .*v1\.13\.9/],
    ["v1.12.99", /talosVersion = "v1\.12\.99": .*not a Talos release we know/],
  ])("refuses the Talos patch release %s, which is not in the contract tables", (version, message) => {
    expect(problems(withChange((c) => (c.talosVersion = version)))).toMatch(message);
  });

  it.each([
    ["v1.14.1", "1.31.5", /kubernetesVersion = "1\.31\.5": is too old for Talos v1\.14\.1 \(Talos v1\.14 runs Kubernetes 1\.32\.0 to 1\.37\.x\)\. Fix: .*e\.g\. 1\.37\.0/],
    ["v1.14.1", "1.38.0", /kubernetesVersion = "1\.38\.0": is too new for Talos v1\.14\.1/],
    ["v1.13.9", "1.37.0", /kubernetesVersion = "1\.37\.0": is too new for Talos v1\.13\.9 \(Talos v1\.13 runs Kubernetes 1\.31\.0 to 1\.36\.x\)/],
    ["v1.11.5", "1.35.0", /is too new for Talos v1\.11\.5 \(Talos v1\.11 runs Kubernetes 1\.29\.0 to 1\.34\.x\)/],
    ["v1.12.7", "v1.29.9", /kubernetesVersion = "v1\.29\.9": is too old for Talos v1\.12\.7/],
  ])("refuses Talos %s with Kubernetes %s (machinery's compatibility table)", (talos, k8s, message) => {
    expect(problems(withChange((c) => { c.talosVersion = talos; c.kubernetesVersion = k8s; }))).toMatch(message);
  });

  it("accepts the edges of the supported range", () => {
    for (const k8s of ["1.32.0", "1.37.98"]) {
      expect(() => validateConfig(withChange((c) => { c.talosVersion = "v1.14.1"; c.kubernetesVersion = k8s; }))).not.toThrow();
    }
  });

  it("warns once, clearly, that Talos 1.11 is end of life and says how to move on", () => {
    const { warnings } = validateConfig(withChange((c) => { c.talosVersion = "v1.11.5"; c.kubernetesVersion = "1.34.1"; }));
    const eol = warnings.filter((w) => /end of life/.test(w));
    expect(eol).toHaveLength(1);
    expect(eol[0]).toMatch(/talosVersion v1\.11\.5: Talos 1\.11 is end of life: it is kept only to upgrade existing clusters\. Upgrade to v1\.12\.x or v1\.13\.x first/);
    expect(validateConfig(exampleInput()).warnings).toEqual([]);
  });
});
