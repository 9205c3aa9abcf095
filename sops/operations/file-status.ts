/** `sops filestatus`: whether a file carries complete sops metadata. */
import { MetadataNotFoundError, SopsError } from "../errors";
import { type StoreFormat, formatFromPath } from "../stores/index";
import { readInputFile } from "./file-io";
import { parseEncrypted } from "./open";

export interface FileStatus {
  encrypted: boolean;
}

export function fileStatusOfBytes(bytes: Buffer, format: StoreFormat): FileStatus {
  try {
    const { metadata } = parseEncrypted(bytes, format);
    return { encrypted: metadata.version !== "" && metadata.mac !== "" };
  } catch (e) {
    if (e instanceof MetadataNotFoundError) return { encrypted: false };
    if (e instanceof SopsError) throw new SopsError(`cannot check file status: cannot load encrypted file: ${e.message}`, e.exitCode);
    throw e;
  }
}

export async function fileStatus(path: string, format?: StoreFormat): Promise<FileStatus> {
  return fileStatusOfBytes(await readInputFile(path), format ?? formatFromPath(path));
}
