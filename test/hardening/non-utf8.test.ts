/** Issue 16 item 6: non-UTF-8 input is refused (sops: "yaml: invalid leading UTF-8 octet", exit 2), never turned into U+FFFD. */
import { describe, expect, it } from "vitest";
import { decryptBytes, encryptBytes, generateAgeIdentity, InvalidInputError } from "../../sops";

const BAD = Buffer.from([0xff, 0xfe]);

describe("non-UTF-8 input", () => {
  it.each([
    ["yaml", Buffer.concat([Buffer.from("a: "), BAD, Buffer.from(" hello\n")])],
    ["json", Buffer.concat([Buffer.from('{"a": "'), BAD, Buffer.from('"}')])],
    ["dotenv", Buffer.concat([Buffer.from("A="), BAD, Buffer.from("\n")])],
  ] as const)("%s: encrypt refuses it with exit 2 and a clear error", async (format, input) => {
    const { recipient } = await generateAgeIdentity();
    const attempt = encryptBytes(input, { format, recipients: [recipient] });
    await expect(attempt).rejects.toThrow(InvalidInputError);
    await expect(attempt).rejects.toThrow(new RegExp(`invalid UTF-8 at byte offset ${input.indexOf(BAD)}`));
  });

  it("decrypt refuses a non-UTF-8 encrypted YAML file instead of reading it lossily", async () => {
    const { identity, recipient } = await generateAgeIdentity();
    const enc = await encryptBytes(Buffer.from("a: hello\n"), { format: "yaml", recipients: [recipient] });
    const bad = Buffer.concat([Buffer.from("# "), BAD, Buffer.from("\n"), enc]);
    await expect(decryptBytes(bad, { format: "yaml", identities: [identity], env: {} })).rejects.toThrow(/invalid UTF-8/);
  });

  it("binary input keeps its bytes exactly", async () => {
    const { identity, recipient } = await generateAgeIdentity();
    const enc = await encryptBytes(BAD, { format: "binary", recipients: [recipient] });
    expect((await decryptBytes(enc, { format: "binary", identities: [identity], env: {} })).equals(BAD)).toBe(true);
  });
});
