import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { stringify } from "yaml";
import { encryptText, formatAgeKeyFile, generateAgeIdentity } from "../../sops/index";
import { TalosApiError } from "../../talos/api/errors";
import { withSnapshotHash } from "../../talos/etcd/snapshot-integrity";

const PEM = (label: string) => Buffer.from(`-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`).toString("base64");

export interface EtcdTree {
  readonly dir: string;
  readonly recipient: string;
  /** env with SOPS_AGE_KEY_FILE pointing at the operator's identity (and no default keys.txt). */
  readonly env: NodeJS.ProcessEnv;
  /** env with no identity at all. */
  readonly envWithoutKey: NodeJS.ProcessEnv;
  readonly identity: string;
}

/** A GitOps tree with talos/<cluster>/talosconfig.sops.yaml encrypted to a fresh operator identity. */
export async function etcdTree(cluster = "lab", endpoints = ["127.0.0.11", "127.0.0.12"]): Promise<EtcdTree> {
  const dir = mkdtempSync(join(tmpdir(), "etcd-tree-"));
  const home = mkdtempSync(join(tmpdir(), "etcd-home-"));
  const { identity, recipient } = await generateAgeIdentity();
  const keyFile = join(home, "operator.agekey");
  writeFileSync(keyFile, formatAgeKeyFile(identity, recipient), { mode: 0o600 });
  const talosconfig = stringify({
    context: cluster,
    contexts: { [cluster]: { endpoints, nodes: endpoints.slice(0, 1), ca: PEM("CERTIFICATE"), crt: PEM("CERTIFICATE"), key: PEM("ED25519 PRIVATE KEY") } },
  });
  mkdirSync(join(dir, "talos", cluster), { recursive: true });
  writeFileSync(join(dir, "talos", cluster, "talosconfig.sops.yaml"), await encryptText(talosconfig, { format: "yaml", recipients: [recipient] }));
  const base = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, ".config") };
  return { dir, recipient, identity, env: { ...base, SOPS_AGE_KEY_FILE: keyFile }, envWithoutKey: base };
}

/** A snapshot as etcd streams it: a 4096-byte-page database with every byte value, then its SHA-256. */
export function fakeSnapshot(pages = 3, seed = 7): Buffer {
  const db = Buffer.alloc(pages * 4096);
  for (let i = 0; i < db.length; i++) db[i] = (i * 31 + seed) & 0xff;
  return withSnapshotHash(db);
}

export function unavailable(node: string, method: string): TalosApiError {
  return new TalosApiError(method, { endpoint: node }, status.UNAVAILABLE, "connect ECONNREFUSED");
}
