/**
 * A loopback HTTPS server standing in for a Kubernetes API server in unit tests: a throwaway CA (openssl) issues the
 * server certificate (IP 127.0.0.1) and an admin client certificate, the server requires that client certificate
 * like the API server does, and `kubeconfig` is an admin kubeconfig with the three embedded (as Talos issues it).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";

export type KubeHandler = (path: string) => { status: number; body: unknown };

export interface KubeTlsServer {
  readonly kubeconfig: string;
  /** Every path requested, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

function openssl(args: string[], cwd: string): void {
  const result = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr || result.error?.message}`);
}

function issue(dir: string, name: string, subject: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`], dir);
  openssl(["req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`], dir);
  openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", String(Date.now()), "-days", "1", "-extfile", `${name}.ext`, "-out", `${name}.crt`], dir);
}

export async function startKubeTlsServer(handler: KubeHandler): Promise<KubeTlsServer> {
  const dir = mkdtempSync(join(tmpdir(), "talos-homelab-kube-tls-"));
  let pem: Record<string, string>;
  try {
    openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=kubernetes", "-days", "1", "-keyout", "ca.key", "-out", "ca.crt"], dir);
    issue(dir, "server", "/CN=kube-apiserver", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    issue(dir, "client", "/O=system:masters/CN=admin", "extendedKeyUsage=clientAuth\n");
    pem = Object.fromEntries(["ca.crt", "server.crt", "server.key", "client.crt", "client.key"].map((f) => [f, readFileSync(join(dir, f), "utf8")]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const requests: string[] = [];
  const server: Server = createServer({ cert: pem["server.crt"], key: pem["server.key"], ca: [pem["ca.crt"]!], requestCert: true, rejectUnauthorized: true });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? "";
    requests.push(path);
    const { status, body } = handler(path);
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
  const kubeconfig = stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "test", cluster: { server: `https://127.0.0.1:${port}`, "certificate-authority-data": b64(pem["ca.crt"]!) } }],
    users: [{ name: "admin", user: { "client-certificate-data": b64(pem["client.crt"]!), "client-key-data": b64(pem["client.key"]!) } }],
    contexts: [{ name: "admin@test", context: { cluster: "test", user: "admin" } }],
    "current-context": "admin@test",
  });
  return { kubeconfig, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
