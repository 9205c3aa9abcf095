import { describe, expect, it } from "vitest";
import { validateConfig } from "../../config";
import { problems, withChange } from "./fixtures";

describe("etcdRecoverFrom in the stack config", () => {
  it("is passed through to the validated config with secretsImportFrom, without a warning", () => {
    const { config, warnings } = validateConfig(
      withChange((c) => {
        c.etcdRecoverFrom = "rendered/homelab/talos/homelab/etcd-snapshots/homelab-etcd-20261206T235217Z.snapshot.sops";
        c.secretsImportFrom = "rendered/homelab/talos/homelab/secrets.sops.yaml";
      }),
    );
    expect(config.etcdRecoverFrom).toBe("rendered/homelab/talos/homelab/etcd-snapshots/homelab-etcd-20261206T235217Z.snapshot.sops");
    expect(warnings).toEqual([]);
  });

  it("without secretsImportFrom: a warning that the snapshot needs the machine secrets it was taken under", () => {
    const { warnings } = validateConfig(withChange((c) => (c.etcdRecoverFrom = "backups/homelab-etcd-20261206T235217Z.snapshot.sops")));
    expect(warnings.join("\n")).toMatch(/etcdRecoverFrom is set without secretsImportFrom.*set secretsImportFrom to talos\/homelab\/secrets\.sops\.yaml/);
  });

  it("a YAML or JSON file is refused, naming the field, the value and the fix; an empty value too", () => {
    expect(problems(withChange((c) => (c.etcdRecoverFrom = "talos/homelab/secrets.sops.yaml")))).toMatch(
      /etcdRecoverFrom.*talos\/homelab\/secrets\.sops\.yaml.*names a YAML\/JSON\/dotenv\/INI file, not an etcd snapshot.*talos-homelab etcd snapshot/s,
    );
    expect(problems(withChange((c) => (c.etcdRecoverFrom = "")))).toMatch(/etcdRecoverFrom/);
  });
});
