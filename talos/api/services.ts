import { join } from "node:path";
import { type Client, type ServiceClientConstructor, loadPackageDefinition } from "@grpc/grpc-js";
import { type Options, loadSync } from "@grpc/proto-loader";

/** Our subset of Talos's protos (talos/api/proto), named and numbered as in Talos. */
export const PROTO_DIR = join(__dirname, "proto");

/** Decoding options every Talos API message shape in messages.ts assumes. */
export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

interface TalosServices {
  machineService: ServiceClientConstructor;
  cosiState: ServiceClientConstructor;
}

let loaded: TalosServices | undefined;

function lookup(root: object, path: string): ServiceClientConstructor {
  let node: unknown = root;
  for (const part of path.split(".")) {
    node = (node as Record<string, unknown>)[part];
    if (node === undefined) throw new Error(`Talos API protos: ${path} is not defined in ${PROTO_DIR}`);
  }
  return node as ServiceClientConstructor;
}

/** The generated client constructors for `machine.MachineService` and `cosi.resource.State`. */
export function talosServices(): TalosServices {
  if (loaded === undefined) {
    const definition = loadSync(["machine/machine.proto", "cosi/state.proto"], PROTO_LOADER_OPTIONS);
    const root = loadPackageDefinition(definition);
    loaded = {
      machineService: lookup(root, "machine.MachineService"),
      cosiState: lookup(root, "cosi.resource.State"),
    };
  }
  return loaded;
}

export type GrpcClient = Client;
