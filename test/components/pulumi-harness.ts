import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";
import { vi } from "vitest";

export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const EXAMPLE_STACK_FILE = resolve(__dirname, "../../Pulumi.homelab.yaml");

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  /** Logical names of the explicit dependsOn resources, as the resource options gave them. */
  readonly dependsOn: string[];
  readonly parent?: string;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly ignoreChanges: string[];
  /** Logical name of the deletedWith resource, if any. */
  readonly deletedWith?: string;
  /** Order of registration with the (mock) engine. */
  readonly order: number;
}

export interface ProgramRun {
  readonly resources: RecordedResource[];
  readonly outputs: Record<string, unknown>;
  byType(type: string): RecordedResource[];
  byName(name: string): RecordedResource;
}

type Json = Record<string, unknown>;

/** The example stack's `config:` map, as Pulumi passes it to a program (structured values as JSON). */
export function exampleConfig(): Json {
  return (parse(readFileSync(EXAMPLE_STACK_FILE, "utf8")) as { config: Json }).config;
}

function toRuntimeConfig(config: Json): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

export function isSecretWrapped(value: unknown): boolean {
  return typeof value === "object" && value !== null && SECRET_SIG in value;
}

/** Removes Pulumi's secret wrappers (as a provider would see the inputs). */
export function unwrapSecrets(value: unknown): unknown {
  if (isSecretWrapped(value)) return unwrapSecrets((value as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

function mockState(type: string, name: string, inputs: Json): { id: string; state: Json } {
  if (type === "proxmoxve:index/vmLegacy:VmLegacy") return { id: String(inputs.vmId), state: { ...inputs } };
  if (type === "proxmoxve:download/file:File") {
    return { id: `${String(inputs.datastoreId)}:${String(inputs.contentType)}/${String(inputs.fileName)}`, state: inputs };
  }
  return { id: `${name}-id`, state: inputs };
}

interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
  getDeletedwith(): string;
}
type Monitor = { registerResource(req: RegisterResourceRequest, callback: (...args: unknown[]) => void): void };

function nameOfUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

async function settle(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    // The SDK's internal promise(withUnknowns) also settles on values a preview does not know.
    return (value as unknown as { promise(withUnknowns: boolean): Promise<unknown> }).promise(true);
  }
  return value;
}

/**
 * Runs the real index.ts under Pulumi mocks with the given stack config and secret keys, and records every
 * resource with its inputs and options.
 */
export type DynamicMock = (type: string, name: string, inputs: Json) => Json | Promise<Json>;

export async function runProgram(
  config: Json,
  secretKeys: string[] = [],
  options: { preview?: boolean; dynamic?: DynamicMock } = {},
): Promise<ProgramRun> {
  const preview = options.preview ?? false;
  (globalThis as { globalStore?: unknown }).globalStore = undefined;
  vi.resetModules();
  const resources: RecordedResource[] = [];
  const resourceOptions = new Map<string, Omit<RecordedResource, "inputs" | "order" | "type" | "name">>();
  let order = 0;
  await pulumi.runtime.setMocks(
    {
      newResource: async (args) => {
        const opts = resourceOptions.get(`${args.type}::${args.name}`);
        resources.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs as Json,
          dependsOn: opts?.dependsOn ?? [],
          parent: opts?.parent,
          protect: opts?.protect ?? false,
          retainOnDelete: opts?.retainOnDelete ?? false,
          ignoreChanges: opts?.ignoreChanges ?? [],
          deletedWith: opts?.deletedWith,
          order: order++,
        });
        if (args.type.startsWith("pulumi-nodejs:dynamic/") && options.dynamic) {
          const outs = await options.dynamic(args.type.replace(/^pulumi-nodejs:dynamic\/talos-homelab:/, ""), args.name, unwrapSecrets(args.inputs) as Json);
          return { id: `${args.name}-id`, state: { ...(args.inputs as Json), ...outs } };
        }
        return mockState(args.type, args.name, args.inputs as Json);
      },
      call: (args) => args.inputs,
    },
    "talos-homelab",
    "homelab",
    preview,
  );
  pulumi.runtime.setAllConfig(toRuntimeConfig(config), secretKeys);
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    resourceOptions.set(`${req.getType()}::${req.getName()}`, {
      dependsOn: req.getDependenciesList().map(nameOfUrn),
      parent: req.getParent() ? nameOfUrn(req.getParent()) : undefined,
      protect: req.getProtect() === true,
      retainOnDelete: req.getRetainondelete() === true,
      ignoreChanges: req.getIgnorechangesList(),
      deletedWith: req.getDeletedwith() ? nameOfUrn(req.getDeletedwith()) : undefined,
    });
    register(req, callback);
  };
  const program = (await import("../../index.js")) as Record<string, unknown>;
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program)) outputs[key] = await settle(value);
  await new Promise((done) => setTimeout(done, 50));
  return {
    resources,
    outputs,
    byType: (type) => resources.filter((r) => r.type === type),
    byName: (name) => {
      const found = resources.find((r) => r.name === name);
      if (!found) throw new Error(`no resource named ${name}; have ${resources.map((r) => r.name).join(", ")}`);
      return found;
    },
  };
}
