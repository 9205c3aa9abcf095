/** INI is a sops format this implementation does not support yet: every use is refused with a clear error. */
import { UnsupportedFormatError } from "../errors";

export const iniStore = {
  refuse(path?: string): never {
    const where = path ? ` (${path})` : "";
    throw new UnsupportedFormatError(
      `INI files are not supported${where}; convert the file to YAML, JSON or dotenv, or encrypt it as a binary blob (rename it or pass the binary format)`,
    );
  },
};
