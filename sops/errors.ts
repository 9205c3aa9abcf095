import { ExitCode } from "./exit-codes";

/** Base class of every SOPS error; `exitCode` is the code the real `sops` binary exits with. */
export class SopsError extends Error {
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/**
 * The base of a SopsError class whose instances exit with `code` (and carry `defaultMessage` when given none), so
 * that each error class is one line naming its code from the table.
 */
export function exitingWith(code: ExitCode, defaultMessage?: string) {
  return class extends SopsError {
    constructor(message: string = defaultMessage ?? "") {
      super(message, code);
    }
  };
}

/** The MAC stored in the file does not match the values, or cannot be decrypted (sops exit 51). */
export class MacMismatchError extends exitingWith(ExitCode.MacMismatch) {}

/** None of the master keys could unwrap the data key (sops exit 128). */
export class NoKeyCouldDecryptError extends exitingWith(ExitCode.CouldNotRetrieveKey) {}

/** The plaintext input already carries sops metadata (sops exit 203). */
export class AlreadyEncryptedError extends exitingWith(ExitCode.FileAlreadyEncrypted, "The file you have provided contains a top-level entry called 'sops', or for flat file formats top-level entries starting with 'sops_'. This is generally due to the file already being encrypted. If you are sure you want to encrypt a file that contains such top-level entries, you will need to rename them.") {}

/** The input file does not exist (sops exit 100). */
export class FileNotFoundError extends exitingWith(ExitCode.NoFileSpecified) {
  constructor(path: string) {
    super(`cannot operate on non-existent file ${path}`);
  }
}

/** The document has no `sops` metadata, so it is not an encrypted file (sops exit 1). */
export class MetadataNotFoundError extends exitingWith(ExitCode.ErrorGeneric, "sops metadata not found") {}

/** The file format is recognised but not supported by this implementation (sops would exit 2 on input errors). */
export class UnsupportedFormatError extends exitingWith(ExitCode.CouldNotReadInputFile) {}

/** No `.sops.yaml` creation rule matches the file (sops exit 1). */
export class NoMatchingCreationRuleError extends exitingWith(ExitCode.ErrorGeneric, "error loading config: no matching creation rules found") {}

/** `edit` found no change (sops exit 200). */
export class FileUnchangedError extends exitingWith(ExitCode.FileHasNotBeenModified, "File has not changed, exiting.") {}

/** A plaintext input cannot be read or parsed (sops exit 2; an encrypted file that cannot be parsed is UnreadableEncryptedFileError). */
export class InvalidInputError extends exitingWith(ExitCode.CouldNotReadInputFile) {}

/** A YAML file without any document (sops exit 92). */
export class EmptyDocumentError extends exitingWith(ExitCode.NeedAtLeastOneDocument, "File cannot be completely empty, it must contain at least one document") {}

/** A value failed to decrypt: wrong key, tampered ciphertext/IV/tag, or malformed ENC string (sops exit 25). */
export class DecryptValueError extends exitingWith(ExitCode.ErrorDecryptingTree) {}

/** A value could not be encrypted, e.g. a type sops cannot walk (sops exit 23). */
export class EncryptValueError extends exitingWith(ExitCode.ErrorEncryptingTree) {}

/** The metadata block is malformed (missing fields, several rules, bad lastmodified or version): sops exits 1 while loading the file. */
export class InvalidMetadataError extends exitingWith(ExitCode.ErrorGeneric) {}

/** An encrypted file sops cannot load: syntax errors, duplicate top-level keys (sops exit 1, its generic loading error). */
export class UnreadableEncryptedFileError extends exitingWith(ExitCode.ErrorGeneric) {}
