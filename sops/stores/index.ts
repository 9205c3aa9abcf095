/** The file-format stores and how a format is chosen from a path. */
import { UnsupportedFormatError } from "../errors";
import type { SopsMetadata } from "../metadata";
import type { Tree } from "../tree";
import { binaryStore } from "./binary";
import { dotenvStore } from "./dotenv";
import { iniStore } from "./ini";
import { jsonStore } from "./json";
import { yamlStore } from "./yaml";

export type StoreFormat = "yaml" | "json" | "dotenv" | "binary";

export interface Store {
  /** Parses a plaintext document; throws AlreadyEncryptedError when it already carries sops metadata. */
  parsePlain(bytes: Buffer): Tree;
  /** Parses an encrypted document; throws MetadataNotFoundError when it carries no sops metadata. */
  parseEncrypted(bytes: Buffer): { tree: Tree; metadata: SopsMetadata };
  emitEncrypted(tree: Tree, metadata: SopsMetadata): Buffer;
  emitPlain(tree: Tree): Buffer;
}

/** The format sops picks from a file name: `.yaml`/`.yml`, `.json`, `.env`; `.ini` is refused; anything else is binary. */
export function formatFromPath(path: string): StoreFormat {
  const lower = path;
  if (lower.endsWith(".yaml") || lower.endsWith(".yml")) return "yaml";
  if (lower.endsWith(".json")) return "json";
  if (lower.endsWith(".env")) return "dotenv";
  if (lower.endsWith(".ini")) iniStore.refuse(path);
  return "binary";
}

export function storeFor(f: StoreFormat): Store {
  switch (f) {
    case "yaml":
      return yamlStore;
    case "json":
      return jsonStore;
    case "dotenv":
      return dotenvStore;
    case "binary":
      return binaryStore;
    default:
      throw new UnsupportedFormatError(`unknown store format ${JSON.stringify(f)}; use one of yaml, json, dotenv, binary`);
  }
}
