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

/** The MAC stored in the file does not match the values, or cannot be decrypted (sops exit 51). */
export class MacMismatchError extends SopsError {
  constructor(message: string) {
    super(message, ExitCode.MacMismatch);
  }
}

/** None of the master keys could unwrap the data key (sops exit 128). */
export class NoKeyCouldDecryptError extends SopsError {
  constructor(message: string) {
    super(message, ExitCode.CouldNotRetrieveKey);
  }
}

/** The plaintext input already carries sops metadata (sops exit 203). */
export class AlreadyEncryptedError extends SopsError {
  constructor(message = "The file you have provided contains a top-level entry called 'sops', or for flat file formats top-level entries starting with 'sops_'. This is generally due to the file already being encrypted. If you are sure you want to encrypt a file that contains such top-level entries, you will need to rename them.") {
    super(message, ExitCode.FileAlreadyEncrypted);
  }
}

/** The input file does not exist (sops exit 100). */
export class FileNotFoundError extends SopsError {
  constructor(path: string) {
    super(`cannot operate on non-existent file ${path}`, ExitCode.NoFileSpecified);
  }
}

/** The document has no `sops` metadata, so it is not an encrypted file (sops exit 1). */
export class MetadataNotFoundError extends SopsError {
  constructor(message = "sops metadata not found") {
    super(message, ExitCode.ErrorGeneric);
  }
}

/** The file format is recognised but not supported by this implementation (sops would exit 2 on input errors). */
export class UnsupportedFormatError extends SopsError {
  constructor(message: string) {
    super(message, ExitCode.CouldNotReadInputFile);
  }
}

/** No `.sops.yaml` creation rule matches the file (sops exit 1). */
export class NoMatchingCreationRuleError extends SopsError {
  constructor(message = "error loading config: no matching creation rules found") {
    super(message, ExitCode.ErrorGeneric);
  }
}

/** `edit` found no change (sops exit 200). */
export class FileUnchangedError extends SopsError {
  constructor(message = "File has not changed, exiting.") {
    super(message, ExitCode.FileHasNotBeenModified);
  }
}

/** A plaintext input cannot be read or parsed (sops exit 2; an encrypted file that cannot be parsed is UnreadableEncryptedFileError). */
export class InvalidInputError extends SopsError {
  constructor(message: string) {
    super(message, ExitCode.CouldNotReadInputFile);
  }
}

/** A YAML file without any document (sops exit 92). */
export class EmptyDocumentError extends SopsError {
  constructor(message = "File cannot be completely empty, it must contain at least one document") {
    super(message, ExitCode.NeedAtLeastOneDocument);
  }
}

/** A value failed to decrypt: wrong key, tampered ciphertext/IV/tag, or malformed ENC string (sops exit 25). */
export class DecryptValueError extends SopsError {
  constructor(message: string) {
    super(message, ExitCode.ErrorDecryptingTree);
  }
}

/** A value could not be encrypted, e.g. a type sops cannot walk (sops exit 23). */
export class EncryptValueError extends SopsError {
  constructor(message: string) {
    super(message, ExitCode.ErrorEncryptingTree);
  }
}

/** The metadata block is malformed (missing fields, several rules, bad lastmodified or version): sops exits 1 while loading the file. */
export class InvalidMetadataError extends SopsError {
  constructor(message: string) {
    super(message, ExitCode.ErrorGeneric);
  }
}

/** An encrypted file sops cannot load: syntax errors, duplicate top-level keys (sops exit 1, its generic loading error). */
export class UnreadableEncryptedFileError extends SopsError {
  constructor(message: string) {
    super(message, ExitCode.ErrorGeneric);
  }
}
