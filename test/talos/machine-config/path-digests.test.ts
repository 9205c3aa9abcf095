import { describe, expect, it } from "vitest";
import { changedConfigPaths, configDigestKey, configPathDigests } from "../../../talos/machine-config/path-digests";

const CONFIG = `version: v1alpha1
machine:
  type: worker
  token: abcdef.0123456789abcdef
  network:
    hostname: worker-1
  nodeLabels:
    homelab.example.net/storage: "true"
  certSANs: [10.0.0.1, 10.0.0.2]
  install:
    disk: /dev/sda
    extraKernelArgs: []
cluster:
  network:
    podSubnets:
      - 10.244.0.0/16
  inlineManifests:
    - name: one
      contents: "kind: Namespace"
---
apiVersion: v1alpha1
kind: VolumeConfig
name: STATE
encryption:
  provider: luks2
  keys:
    - slot: 0
      tpm: {}
`;

const key = configDigestKey({ cluster: { id: "id", secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==" } });

describe("machine-config path digests", () => {
  it("names every leaf path (map keys, list positions of objects, documents by kind and name), never a value", () => {
    const digests = configPathDigests(CONFIG, key);
    expect(Object.keys(digests).sort()).toEqual(
      [
        "version",
        "machine.type",
        "machine.token",
        "machine.network.hostname",
        'machine.nodeLabels["homelab.example.net/storage"]',
        "machine.certSANs",
        "machine.install.disk",
        "machine.install.extraKernelArgs",
        "cluster.network.podSubnets",
        "cluster.inlineManifests[0].name",
        "cluster.inlineManifests[0].contents",
        'VolumeConfig "STATE": apiVersion',
        'VolumeConfig "STATE": kind',
        'VolumeConfig "STATE": name',
        'VolumeConfig "STATE": encryption.provider',
        'VolumeConfig "STATE": encryption.keys[0].slot',
        'VolumeConfig "STATE": encryption.keys[0].tpm',
      ].sort(),
    );
    for (const digest of Object.values(digests)) expect(digest).toMatch(/^[0-9a-f]{16}$/);
    const text = JSON.stringify(digests);
    for (const value of ["abcdef.0123456789abcdef", "worker-1", "/dev/sda", "10.0.0.1", "luks2", "Namespace"]) expect(text).not.toContain(value);
  });

  it("a changed value changes exactly its path's digest; added and removed paths show too", () => {
    const before = configPathDigests(CONFIG, key);
    const after = configPathDigests(CONFIG.replace("hostname: worker-1", "hostname: worker-9").replace("    disk: /dev/sda\n", "    disk: /dev/sda\n    wipe: true\n"), key);
    expect(changedConfigPaths(before, after)).toEqual(["machine.install.wipe", "machine.network.hostname"]);
    expect(changedConfigPaths(after, before)).toEqual(["machine.install.wipe", "machine.network.hostname"]);
    expect(changedConfigPaths(before, configPathDigests(CONFIG, key))).toEqual([]);
  });

  it("is keyed: without the machine secrets a low-entropy value cannot be guessed from its digest", () => {
    const other = configDigestKey({ cluster: { id: "id", secret: "b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXI=" } });
    const mine = configPathDigests(CONFIG, key);
    const theirs = configPathDigests(CONFIG, other);
    for (const path of Object.keys(mine)) expect(theirs[path]).not.toBe(mine[path]);
    // The same value at two paths gets two unrelated digests (the path is part of the MAC input).
    const twin = configPathDigests("a: x\nb: x\n", key);
    expect(twin.a).not.toBe(twin.b);
  });

  it("refuses an empty cluster secret", () => {
    expect(() => configDigestKey({ cluster: { id: "id", secret: "" } })).toThrow(/empty cluster secret/);
  });
});
