/**
 * Listens on every given loopback address:port and appends one JSON line per accepted connection to --record,
 * then closes it. It stands where the cluster would be (each node's Talos API, the Kubernetes API) when a test must
 * prove that nothing tried to reach the cluster. Prints {"listening": [...]} once all listen; exits when stdin closes.
 *
 *   tsx test/engine/e2e/connection-trap.ts --record trap.jsonl 127.0.10.11:50000 127.0.10.10:6443 ...
 */
import { appendFileSync } from "node:fs";
import { createServer } from "node:net";

const args = process.argv.slice(2);
const recordAt = args.indexOf("--record");
const record = args[recordAt + 1];
if (recordAt < 0 || record === undefined) throw new Error("connection-trap: --record FILE is required");
const addresses = args.filter((_, i) => i !== recordAt && i !== recordAt + 1);

void Promise.all(
  addresses.map(
    (address) =>
      new Promise<void>((resolve, reject) => {
        const colon = address.lastIndexOf(":");
        const host = address.slice(0, colon);
        if (!host.startsWith("127.")) throw new Error(`connection-trap: ${address} is not a loopback address`);
        const server = createServer((socket) => {
          appendFileSync(record, `${JSON.stringify({ at: new Date().toISOString(), address, from: socket.remoteAddress })}\n`);
          socket.destroy();
        });
        server.once("error", reject);
        server.listen(Number(address.slice(colon + 1)), host, () => resolve());
      }),
  ),
).then(() => process.stdout.write(`${JSON.stringify({ listening: addresses })}\n`));

process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
