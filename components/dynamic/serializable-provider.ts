import type * as pulumi from "@pulumi/pulumi";

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
 */
export function moduleBackedProvider(modulePath: string, exportName: string): pulumi.dynamic.ResourceProvider {
  const tsxRegisterPath = require.resolve("tsx/cjs/api");
  // During `pulumi preview` the engine passes this marker for values not known yet. Such inputs are
  // validated at `up`, when they are known; until then the resource shows as a pending update, unless
  // only inputs its diff ignores are unknown.
  const unknownMarker = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
  const hasUnknown = (value: unknown): boolean =>
    value === unknownMarker ||
    (Array.isArray(value) ? value.some(hasUnknown) : typeof value === "object" && value !== null && Object.values(value).some(hasUnknown));
  const load = (): ProviderModule => {
    const registry = globalThis as { __talosHomelabTsxRegistered?: boolean };
    if (registry.__talosHomelabTsxRegistered !== true && !modulePath.endsWith(".js")) {
      (require(tsxRegisterPath) as { register(): unknown }).register();
      registry.__talosHomelabTsxRegistered = true;
    }
    const loaded = (require(modulePath) as Record<string, ProviderModule | undefined>)[exportName];
    if (loaded === undefined) throw new Error(`dynamic provider module ${modulePath} has no export "${exportName}"`);
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
