/** Errors of the sops operations (keys, config, CLI usage) not covered by errors.ts, with sops's exit codes. */
import { exitingWith } from "./errors";
import { ExitCode } from "./exit-codes";

/** sops exit 1 (`codes.ErrorGeneric`): config problems, "config file not found" and the like. */
export class SopsConfigError extends exitingWith(ExitCode.ErrorGeneric) {}

/** sops exit 91: a `["a"][0]` tree path that cannot be parsed. */
export class InvalidTreePathError extends exitingWith(ExitCode.InvalidTreePathFormat) {
  constructor(path: string, reason: string) {
    super(`Invalid tree path format ${JSON.stringify(path)}: ${reason}. Use e.g. '["key"]["sub"][0]'`);
  }
}

/** sops exit 1: `unset`/`--extract` on a key that is not there. */
export class KeyNotFoundError extends exitingWith(ExitCode.ErrorGeneric) {}

/** sops exit 7: the value given to `set` is not valid JSON. */
export class InvalidSetFormatError extends exitingWith(ExitCode.ErrorInvalidSetFormat) {}

/** sops exit 8: flags that cannot be combined. */
export class ConflictingParametersError extends exitingWith(ExitCode.ErrorConflictingParameters) {}

/** sops exit 201: no editor could be started. */
export class NoEditorError extends exitingWith(ExitCode.NoEditorFound) {}

/** sops exit 3: the output could not be written. */
export class CouldNotWriteOutputError extends exitingWith(ExitCode.CouldNotWriteOutputFile) {
  constructor(path: string, reason: string) {
    super(`Could not write output file ${path}: ${reason}`);
  }
}

/** sops exit 2: the input file could not be read. */
export class CouldNotReadInputError extends exitingWith(ExitCode.CouldNotReadInputFile) {
  constructor(path: string, reason: string) {
    super(`Error reading file ${path}: ${reason}`);
  }
}

/** sops exit 1: wrapping or re-wrapping the data key failed (bad recipient, unsupported key type). */
export class KeyWrapError extends exitingWith(ExitCode.ErrorGeneric) {}
