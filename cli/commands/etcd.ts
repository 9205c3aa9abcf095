import { resolve } from "node:path";
import type { Command } from "commander";
import { CliExit } from "../exit";

interface TreeFlags {
  tree: string;
  cluster?: string;
  node?: string;
  endpoint?: string;
}

interface SnapshotFlags extends TreeFlags {
  out?: string;
  keep?: string;
  age?: string;
}

interface RecoverFlags extends TreeFlags {
  from: string;
  skipHashCheck?: boolean;
  timeout: string;
}

/** How long one Talos API call may take: a snapshot of a large etcd database streams for a while. */
const CALL_TIMEOUT_MS = 10 * 60 * 1000;

function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(value)) throw new CliExit(2, `talos-homelab etcd: ${flag} ${value}: must be a whole number of at least 1`);
  return Number(value);
}

function addTreeOptions(command: Command): Command {
  return command
    .option("-t, --tree <dir>", "root of the GitOps tree holding talos/<cluster>/talosconfig.sops.yaml", ".")
    .option("-c, --cluster <name>", "the cluster (default: the only one under talos/ in the tree)")
    .option("-n, --node <ip>", "the control plane to talk to (default: the talosconfig's endpoints)")
    .option("-e, --endpoint <ip>", "dial this endpoint and proxy to --node (default: dial the node)");
}

/** Loaded on use: the Talos API client (gRPC, protos) and the SOPS library stay out of start-up and `--help`. */
async function etcdLibrary() {
  // grpc-js sets the TLS server name to the node's IP, which Node flags as deprecated (DEP0123) on every call: a
  // warning for developers that would stand between the operator and the command's own output
  process.noDeprecation = true;
  return import("../../gitops/etcd-commands.js");
}

export function registerEtcd(program: Command): void {
  const etcd = program.command("etcd").description("etcd backups and disaster recovery over the Talos API");
  addTreeOptions(
    etcd
      .command("snapshot")
      .description("take an etcd snapshot from a control plane and write it SOPS-encrypted (binary store), named with the UTC time")
      .option("-o, --out <dir>", "backup folder (default: talos/<cluster>/etcd-snapshots in the tree)")
      .option("-k, --keep <n>", "afterwards keep only the newest N snapshots of the cluster in the folder")
      .option("-a, --age <recipients>", "comma-separated age recipients (default: those of the admin talosconfig)"),
  )
    .addHelpText(
      "after",
      "\nThe admin talosconfig is decrypted in memory with your age identity (SOPS_AGE_KEY_FILE, SOPS_AGE_KEY or\n" +
        "~/.config/sops/age/keys.txt). The snapshot never touches the disk unencrypted; `sops -d FILE > db.snapshot`\n" +
        "gives it back. Scheduling and retention: docs/operations.md, \"etcd backups\".",
    )
    .action(async (flags: SnapshotFlags) => {
      const keep = positiveInteger("--keep", flags.keep);
      const { takeEtcdSnapshot, connectTalos } = await etcdLibrary();
      try {
        const result = await takeEtcdSnapshot({
          treeDir: flags.tree,
          ...(flags.cluster !== undefined ? { cluster: flags.cluster } : {}),
          ...(flags.out !== undefined ? { outDir: resolve(flags.out) } : {}),
          ...(keep !== undefined ? { keep } : {}),
          ...(flags.node !== undefined ? { node: flags.node } : {}),
          ...(flags.endpoint !== undefined ? { endpoint: flags.endpoint } : {}),
          ...(flags.age !== undefined ? { recipients: flags.age.split(",").map((r) => r.trim()).filter(Boolean) } : {}),
          env: process.env,
          connect: (options) => connectTalos({ ...options, callTimeoutMs: CALL_TIMEOUT_MS }),
          log: (line) => process.stderr.write(`${line}\n`),
        });
        process.stdout.write(`etcd snapshot of ${result.cluster} from node ${result.node} (${result.bytes} bytes) written to ${result.path}\n`);
        for (const path of result.pruned) process.stdout.write(`pruned ${path}\n`);
      } catch (e) {
        throw new CliExit(1, `talos-homelab etcd snapshot: ${(e as Error).message}`);
      }
    });

  etcd
    .command("remove-member")
    .description("remove a lost control plane's etcd member (by hostname or ID), asked of a healthy control plane")
    .argument("<member>", "the member's hostname (the node's name) or ID, as `etcd members` of a healthy node lists it")
    .option("-t, --tree <dir>", "root of the GitOps tree holding talos/<cluster>/talosconfig.sops.yaml", ".")
    .option("-c, --cluster <name>", "the cluster (default: the only one under talos/ in the tree)")
    .option("-n, --node <ip>", "the healthy control plane to ask (default: the talosconfig's endpoints, first that answers)")
    .action(async (member: string, flags: TreeFlags) => {
      const { removeEtcdMember, connectTalos } = await etcdLibrary();
      try {
        const result = await removeEtcdMember({
          member,
          treeDir: flags.tree,
          ...(flags.cluster !== undefined ? { cluster: flags.cluster } : {}),
          ...(flags.node !== undefined ? { node: flags.node } : {}),
          env: process.env,
          connect: (options) => connectTalos({ ...options, callTimeoutMs: 60_000 }),
          log: (line) => process.stderr.write(`${line}\n`),
        });
        process.stdout.write(
          `removed etcd member ${result.removed.hostname} (${result.removed.id}) via node ${result.via}; members left: ${result.remaining.join(", ")}\n`,
        );
      } catch (e) {
        throw new CliExit(1, `talos-homelab etcd remove-member: ${(e as Error).message}`);
      }
    });

  addTreeOptions(
    etcd
      .command("recover")
      .description("bootstrap etcd on a control plane waiting for bootstrap from an encrypted snapshot (talosctl bootstrap --recover-from)")
      .requiredOption("-f, --from <path>", "the snapshot written by `talos-homelab etcd snapshot`, or its folder (the newest snapshot in it)")
      .option("--skip-hash-check", "accept a snapshot without etcd's hash (only a database file copied from /var/lib/etcd)")
      .option("--timeout <seconds>", "how long to retry while the node is not ready for bootstrap", "900"),
  ).action(async (flags: RecoverFlags) => {
    const timeoutSeconds = positiveInteger("--timeout", flags.timeout) as number;
    const { restoreEtcdSnapshot, connectTalos } = await etcdLibrary();
    try {
      const result = await restoreEtcdSnapshot({
        from: flags.from,
        treeDir: flags.tree,
        ...(flags.cluster !== undefined ? { cluster: flags.cluster } : {}),
        ...(flags.node !== undefined ? { node: flags.node } : {}),
        ...(flags.endpoint !== undefined ? { endpoint: flags.endpoint } : {}),
        skipHashCheck: flags.skipHashCheck === true,
        timeoutMs: timeoutSeconds * 1000,
        env: process.env,
        connect: (options) => connectTalos({ ...options, callTimeoutMs: CALL_TIMEOUT_MS }),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`etcd of ${result.cluster} bootstrapped on node ${result.node} from ${result.from} (${result.bytes} bytes)\n`);
    } catch (e) {
      throw new CliExit(1, `talos-homelab etcd recover: ${(e as Error).message}`);
    }
  });
}
