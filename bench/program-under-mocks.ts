// Child process for program.bench.ts: runs index.ts under Pulumi mocks and prints the elapsed time
// since process start (module loading included) and the CPU time it used, as JSON.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import * as pulumi from "@pulumi/pulumi";

interface Job {
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
  readonly secretsYaml: string;
  readonly talosconfig: string;
}

async function main(jobFile: string): Promise<void> {
  const job = JSON.parse(readFileSync(jobFile, "utf8")) as Job;
  let resources = 0;
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        resources++;
        const extra = args.type.endsWith(":TalosMachineSecrets")
          ? { secretsYaml: job.secretsYaml }
          : args.type.endsWith(":AdminTalosconfig")
            ? { talosconfig: job.talosconfig }
            : {};
        const id = args.type === "proxmoxve:download/file:File" ? `local:iso/${String(args.inputs.fileName)}` : `${args.name}-id`;
        return { id, state: { ...args.inputs, ...extra, files: {} } };
      },
      call: (args) => args.inputs,
    },
    "talos-homelab",
    "bench",
    false,
  );
  pulumi.runtime.setAllConfig(job.config, job.secretKeys);
  const program = require("../index") as Record<string, unknown>;
  await new Promise<void>((done) => (program.machineConfigs as pulumi.Output<unknown>).apply(() => done()));
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ ms: performance.now(), cpuMs: (cpu.user + cpu.system) / 1000, resources }) + "\n");
}

main(process.argv[2] as string).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
