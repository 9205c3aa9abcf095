/** Thrown by a command to end the process with a specific exit code and message. */
export class CliExit extends Error {
  constructor(
    readonly code: number,
    message = "",
  ) {
    super(message);
    this.name = "CliExit";
  }
}
