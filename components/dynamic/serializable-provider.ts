import { relative, resolve, sep } from "node:path";
import * as pulumi from "@pulumi/pulumi";

/**
 * The operations a dynamic provider module exports. Pulumi passes plain JSON-like values (secrets
 * already unwrapped), so every method takes and returns plain records.
 */
export interface ProviderModule {
  /**
   * Inputs `diff` never reads (credentials, timeouts, ordering hints). During a preview, values not known
   * yet in these alone do not make a pending change: a renewed talosconfig does not re-apply every node.
   */
  readonly diffIgnores?: readonly string[];
  check?(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult>;
  diff?(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult>;
  read?(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult>;
  update?(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult>;
  delete?(id: string, props: Record<string, unknown>): Promise<void>;
}

/**
 * A dynamic provider whose methods load the real implementation from `modulePath` (absolute, without
 * extension) in whatever process runs them. Pulumi serializes the provider's functions into its own
 * Node.js process, which has no TypeScript loader and cannot serialize our local modules; so the
 * functions capture only strings (the module path, the export name and the path of tsx's CJS
 * register API) and `require` the module there, after registering tsx.
 *
 * The paths are also kept relative to the project: Pulumi runs `refresh`, `destroy` and deletes with the
 * provider stored in the state, which may come from a checkout at another path (a CI runner, a new
 * workstation). Pulumi starts its provider process in the project directory, so the code is taken from
 * there first, and from the recorded paths only when the project directory does not have it.
 */
export function moduleBackedProvider(modulePath: string, exportName: string): pulumi.dynamic.ResourceProvider {
  const projectDir = resolve(__dirname, "../..");
  const tsxRegisterPath = require.resolve("tsx/cjs/api");
  const fromProject = (path: string): string | undefined => (path.startsWith(projectDir + sep) ? relative(projectDir, path) : undefined);
  const moduleInProject = fromProject(modulePath);
  const tsxInProject = fromProject(tsxRegisterPath);
  // During `pulumi preview` the engine passes this marker for values not known yet. Such inputs are
  // validated at `up`, when they are known; until then the resource shows as a pending update, unless
  // only inputs its diff ignores are unknown. Read here, so the serialized functions capture the string.
  const unknownMarker: string = pulumi.runtime.unknownValue;
  const hasUnknown = (value: unknown): boolean =>
    value === unknownMarker ||
    (Array.isArray(value) ? value.some(hasUnknown) : typeof value === "object" && value !== null && Object.values(value).some(hasUnknown));
  const locate = (recorded: string, inProject: string | undefined, extensions: readonly string[]): string => {
    const fs = require("fs") as typeof import("fs");
    const path = require("path") as typeof import("path");
    const exists = (candidate: string) => extensions.some((ext) => fs.existsSync(candidate + ext));
    const here = inProject === undefined ? undefined : path.join(process.cwd(), inProject);
    if (here !== undefined && exists(here)) return here;
    if (exists(recorded)) return recorded;
    throw new Error(
      here === undefined
        ? `dynamic provider ${exportName}: ${recorded} is gone. Reinstall it (npm ci) where it was, or run pulumi up once from this checkout.`
        : `dynamic provider ${exportName}: ${recorded} is gone and ${here} does not exist. ` +
            "Run pulumi from the talos-homelab project directory (after npm ci) so the provider recorded in the state finds its code.",
    );
  };
  const load = (): ProviderModule => {
    const registry = globalThis as { __talosHomelabTsxRegistered?: boolean };
    const implementation = locate(modulePath, moduleInProject, [".ts", ".js", ""]);
    if (registry.__talosHomelabTsxRegistered !== true && !implementation.endsWith(".js")) {
      (require(locate(tsxRegisterPath, tsxInProject, [""])) as { register(): unknown }).register();
      registry.__talosHomelabTsxRegistered = true;
    }
    const loaded = (require(implementation) as Record<string, ProviderModule | undefined>)[exportName];
    if (loaded === undefined) throw new Error(`dynamic provider module ${implementation} has no export "${exportName}"`);
    return loaded;
  };
  return {
    check: async (olds, news) => {
      if (hasUnknown(news)) return { inputs: news };
      const impl = load();
      return impl.check === undefined ? { inputs: news } : impl.check(olds, news);
    },
    diff: async (id, olds, news) => {
      const impl = load();
      const ignored = new Set(impl.diffIgnores ?? []);
      const read = Object.fromEntries(Object.entries(news).filter(([key]) => !ignored.has(key)));
      if (hasUnknown(read)) return { changes: true, replaces: [], deleteBeforeReplace: false };
      return impl.diff === undefined ? {} : impl.diff(id, olds, read);
    },
    create: async (inputs) => load().create(inputs),
    read: async (id, props) => {
      const impl = load();
      return impl.read === undefined ? { id, props } : impl.read(id, props);
    },
    update: async (id, olds, news) => {
      const impl = load();
      if (impl.update === undefined) throw new Error(`dynamic provider ${exportName} cannot update in place`);
      return impl.update(id, olds, news);
    },
    delete: async (id, props) => {
      const impl = load();
      if (impl.delete !== undefined) await impl.delete(id, props);
    },
  };
}
