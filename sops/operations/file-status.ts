/** `sops filestatus`: whether a file carries complete sops metadata. */
import { MetadataNotFoundError, SopsError } from "../errors";
import { ExitCode } from "../exit-codes";
import { type StoreFormat, formatFromPath } from "../stores/index";
import { readInputFile } from "./file-io";
import { parseEncrypted } from "./open";

export interface FileStatus {
  encrypted: boolean;
}

/** As sops: any file it cannot load, a missing one included, is its generic error (exit 1). */
function statusError(e: unknown): unknown {
  return e instanceof SopsError ? new SopsError(`cannot check file status: cannot load encrypted file: ${e.message}`, ExitCode.ErrorGeneric) : e;
}

export function fileStatusOfBytes(bytes: Buffer, format: StoreFormat): FileStatus {
  try {
    const { metadata } = parseEncrypted(bytes, format);
    return { encrypted: metadata.version !== "" && metadata.mac !== "" };
  } catch (e) {
    if (e instanceof MetadataNotFoundError) return { encrypted: false };
    throw statusError(e);
  }
}

export async function fileStatus(path: string, format?: StoreFormat): Promise<FileStatus> {
  let bytes: Buffer;
  try {
    bytes = await readInputFile(path);
  } catch (e) {
    throw statusError(e);
  }
  return fileStatusOfBytes(bytes, format ?? formatFromPath(path));
}
