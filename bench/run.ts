import { readdirSync } from "node:fs";
import { join } from "node:path";

interface BenchModule {
  run(): Promise<void>;
}

/** Runs every bench/*.bench.ts (or only those whose name contains an argument) and prints their figures. */
async function main(filters: string[]): Promise<void> {
  console.log(`node ${process.version} (${process.execPath})`);
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith(".bench.ts"))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  for (const file of files) {
    console.log(`\n== ${file.replace(/\.bench\.ts$/, "")} ==`);
    const mod = (await import(join(__dirname, file))) as BenchModule;
    await mod.run();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
