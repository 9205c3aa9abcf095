import { gunzipSync } from "node:zlib";

const BLOCK = 512;

function readString(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString("utf8");
}

/**
 * The `kubeconfig` file from the tar.gz that MachineService/Kubeconfig streams. machined closes the
 * gzip stream but not the tar writer, so the end-of-archive blocks may be missing: headers are read
 * directly (name at 0, octal size at 124) instead of requiring a complete archive.
 */
export function extractKubeconfig(archive: Buffer): string {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive, { finishFlush: 2 /* Z_SYNC_FLUSH: tolerate a truncated stream */ });
  } catch (err) {
    throw new Error(`the Kubeconfig reply is not a gzip stream: ${(err as Error).message}`);
  }
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const name = readString(header, 0, 100).replace(/^\.\//, "");
    const size = Number.parseInt(readString(header, 124, 12).trim() || "0", 8);
    const start = offset + BLOCK;
    if (name === "kubeconfig") {
      if (start + size > tar.length) throw new Error("the Kubeconfig reply's archive is truncated inside the kubeconfig file");
      return tar.subarray(start, start + size).toString("utf8");
    }
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  throw new Error('the Kubeconfig reply\'s archive holds no file named "kubeconfig"');
}
