/**
 * A loopback stand-in for the Kubernetes API calls the health check makes (GET /readyz, GET /api/v1/nodes),
 * run as its own process inside the test's network namespace:
 *
 *   tsx test/engine/e2e/kube-standin.ts --listen 127.0.10.10:6443 --nodes cp-1,worker-1 \
 *       --apid-records a.jsonl,b.jsonl --record kube.jsonl --work DIR
 *
 * Like a real API server it only comes up once a control plane has its config: it learns the cluster's
 * Kubernetes CA from the first control-plane apply a fake apid recorded (cluster.ca), serves a certificate that CA
 * issued for the listen address (made with openssl), and requires a client certificate from that CA. /readyz
 * and the nodes' Ready condition turn true only after a fake apid recorded a successful Bootstrap. Every
 * connection and request is appended to --record. The day-2 calls (a node, cordon, pods, eviction, node delete) are
 * served from kube-standin-nodes.ts; anything else gets a 404 Status.
 * Optional: --ca-crt/--ca-key FILE (the Kubernetes CA known up front, for a cluster that is already running),
 * --ready (Ready without a recorded Bootstrap), --reboot-seconds N, --kubelet-version vX.Y.Z, --pods ns/name@node[:ds],...,
 * --control FILE (see kube-standin-nodes.ts).
 * Prints one JSON line ({"address"}) when listening; exits when stdin closes.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type IncomingMessage, type ServerResponse } from "node:http";
import { createServer } from "node:https";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { StandinNodes, parsePods } from "./kube-standin-nodes";

interface Options {
  host: string;
  port: number;
  nodes: string[];
  apidRecords: string[];
  record: string;
  work: string;
  ca?: { crt: string; key: string };
  ready: boolean;
  rebootSeconds: number;
  kubeletVersion: string;
  pods?: string;
  control?: string;
}

function options(argv: string[]): Options {
  const get = (flag: string): string => {
    const i = argv.indexOf(flag);
    const value = i >= 0 ? argv[i + 1] : undefined;
    if (value === undefined) throw new Error(`kube-standin: ${flag} is required`);
    return value;
  };
  const optional = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const caCrt = optional("--ca-crt");
  const caKey = optional("--ca-key");
  const listen = get("--listen");
  const colon = listen.lastIndexOf(":");
  const host = listen.slice(0, colon);
  if (!host.startsWith("127.")) throw new Error(`kube-standin: --listen ${listen} is not a loopback address`);
  return {
    host,
    port: Number(listen.slice(colon + 1)),
    nodes: get("--nodes").split(","),
    apidRecords: get("--apid-records").split(","),
    record: get("--record"),
    work: get("--work"),
    ...(caCrt !== undefined && caKey !== undefined ? { ca: { crt: readFileSync(caCrt, "utf8"), key: readFileSync(caKey, "utf8") } } : {}),
    ready: argv.includes("--ready"),
    rebootSeconds: Number(optional("--reboot-seconds") ?? "0"),
    kubeletVersion: optional("--kubelet-version") ?? "v0.0.0",
    pods: optional("--pods"),
    control: optional("--control"),
  };
}

interface ApidCall {
  method: string;
  mode: string;
  code: string;
  request: { data?: string } | null;
}

function apidCalls(files: readonly string[]): ApidCall[] {
  return files
    .filter((file) => existsSync(file))
    .flatMap((file) => readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as ApidCall));
}

interface ConfigDocument {
  kind?: string;
  machine?: { type?: string };
  cluster?: { ca?: { crt?: string; key?: string } };
  issuingCA?: { cert?: string; key?: string };
}

/**
 * The Kubernetes CA (PEM) of a control-plane config: up to Talos 1.13 in the v1alpha1 document's cluster.ca
 * (base64), from 1.14 in the KubeAPIServerCAConfig document's issuingCA (PEM).
 */
function kubernetesCa(documents: readonly (ConfigDocument | null)[]): { crt: string; key: string } | undefined {
  const v1alpha1 = documents.find((d) => d?.machine !== undefined);
  if (v1alpha1?.machine?.type !== "controlplane") return undefined;
  const legacy = v1alpha1.cluster?.ca;
  if (legacy?.crt && legacy.key) return { crt: Buffer.from(legacy.crt, "base64").toString("utf8"), key: Buffer.from(legacy.key, "base64").toString("utf8") };
  const issuing = documents.find((d) => d?.kind === "KubeAPIServerCAConfig")?.issuingCA;
  return issuing?.cert && issuing.key ? { crt: issuing.cert, key: issuing.key } : undefined;
}

/** The cluster CA (PEM) of the first control-plane config a fake apid accepted, if any yet. */
function clusterCa(calls: readonly ApidCall[]): { crt: string; key: string } | undefined {
  for (const call of calls) {
    if (call.method !== "/machine.MachineService/ApplyConfiguration" || call.code !== "OK" || !call.request?.data) continue;
    const parsed = parseAllDocuments(Buffer.from(call.request.data, "base64").toString("utf8"));
    const ca = kubernetesCa((Array.isArray(parsed) ? parsed : [parsed]).map((d) => d.toJS() as ConfigDocument | null));
    if (ca !== undefined) return ca;
  }
  return undefined;
}

const bootstrapped = (calls: readonly ApidCall[]) => calls.some((call) => call.method === "/machine.MachineService/Bootstrap" && call.code === "OK");

function openssl(args: string[]): void {
  const result = spawnSync("openssl", args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr || result.error?.message}`);
}

/** An API server certificate for `host`, issued by the cluster CA. The CA key lives only in a 0600 file for the moment openssl needs it. */
function serverCertificate(ca: { crt: string; key: string }, host: string, work: string): { cert: string; key: string } {
  const dir = mkdtempSync(join(work, "kube-ca-"));
  try {
    const file = (name: string) => join(dir, name);
    writeFileSync(file("ca.crt"), ca.crt, { mode: 0o600 });
    writeFileSync(file("ca.key"), ca.key, { mode: 0o600 });
    writeFileSync(file("ext"), `subjectAltName=IP:${host}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n`);
    openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", file("server.key")]);
    openssl(["req", "-new", "-key", file("server.key"), "-subj", "/CN=kube-apiserver", "-out", file("server.csr")]);
    openssl(["x509", "-req", "-in", file("server.csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"), "-set_serial", "1", "-days", "1", "-extfile", file("ext"), "-out", file("server.crt")]);
    return { cert: readFileSync(file("server.crt"), "utf8"), key: readFileSync(file("server.key"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A throwaway self-signed certificate: before the cluster CA exists no client can verify this server. */
function placeholderCertificate(host: string, work: string): { cert: string; key: string } {
  const dir = mkdtempSync(join(work, "kube-placeholder-"));
  try {
    openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=not-yet", "-days", "1",
      "-addext", `subjectAltName=IP:${host}`, "-keyout", join(dir, "k"), "-out", join(dir, "c")]);
    return { cert: readFileSync(join(dir, "c"), "utf8"), key: readFileSync(join(dir, "k"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const notFound = (what: string) => ({ status: 404, body: { kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404, message: `${what} not found` } });

/** The day-2 routes (kube-standin-nodes.ts), or undefined for any other request. */
function day2Route(req: IncomingMessage, nodes: StandinNodes): { status: number; body: unknown } | undefined {
  const url = new URL(req.url ?? "/", "https://standin");
  const node = /^\/api\/v1\/nodes\/([^/]+)$/.exec(url.pathname)?.[1];
  if (node !== undefined) {
    const name = decodeURIComponent(node);
    if (!nodes.exists(name)) return notFound(`nodes "${name}"`);
    if (req.method === "PATCH") nodes.cordon(name);
    if (req.method === "DELETE") {
      nodes.delete(name);
      return { status: 200, body: { kind: "Status", apiVersion: "v1", status: "Success" } };
    }
    return req.method === "GET" || req.method === "PATCH" ? { status: 200, body: nodes.node(name, Date.now()) } : undefined;
  }
  if (req.method === "GET" && url.pathname === "/api/v1/pods") {
    const on = /^spec\.nodeName=(.+)$/.exec(url.searchParams.get("fieldSelector") ?? "")?.[1];
    return { status: 200, body: { kind: "PodList", apiVersion: "v1", items: on === undefined ? [] : nodes.podsOn(on) } };
  }
  const eviction = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/eviction$/.exec(url.pathname);
  if (req.method === "POST" && eviction) {
    const status = nodes.evict(decodeURIComponent(eviction[1] as string), decodeURIComponent(eviction[2] as string));
    if (status === 404) return notFound(`pods "${eviction[2]}"`);
    if (status === 429) return { status, body: { kind: "Status", apiVersion: "v1", status: "Failure", reason: "TooManyRequests", code: 429, message: "Cannot evict pod as it would violate the pod's disruption budget." } };
    return { status, body: { kind: "Status", apiVersion: "v1", status: "Success" } };
  }
  return undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function main(): void {
  const opts = options(process.argv.slice(2));
  const record = (entry: Record<string, unknown>) => appendFileSync(opts.record, `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`, { mode: 0o600 });
  const placeholder = placeholderCertificate(opts.host, opts.work);
  const server = createServer({ ...placeholder, requestCert: true, rejectUnauthorized: true, ca: [placeholder.cert] });
  let caPem: string | undefined;
  const isReady = () => opts.ready || bootstrapped(apidCalls(opts.apidRecords));
  const nodes = new StandinNodes(
    {
      records: new Map(opts.nodes.map((name, i) => [name, opts.apidRecords[i] as string])),
      rebootSeconds: opts.rebootSeconds,
      defaultKubelet: opts.kubeletVersion,
      ...(opts.control !== undefined ? { control: opts.control } : {}),
    },
    parsePods(opts.pods),
    isReady,
  );

  const refresh = () => {
    nodes.poll(Date.now());
    if (caPem !== undefined) return;
    const ca = opts.ca ?? clusterCa(apidCalls(opts.apidRecords));
    if (ca === undefined) return;
    server.setSecureContext({ ...serverCertificate(ca, opts.host, opts.work), ca: [ca.crt] });
    caPem = ca.crt;
    record({ event: "cluster-ca-learned" });
  };
  // With a known CA (--ca-crt/--ca-key) the first connection already gets the CA-issued certificate.
  refresh();
  const poll = setInterval(refresh, 200);

  server.on("connection", () => {
    refresh();
    record({ event: "connection" });
  });
  server.on("tlsClientError", (err) => record({ event: "tls-error", message: err.message }));
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const ready = isReady();
    const send = (status: number, body: unknown) => {
      record({ event: "request", method: req.method, path: req.url, status });
      res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json" });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    if (req.method === "GET" && req.url === "/readyz") return send(ready ? 200 : 500, ready ? "ok" : "[-]etcd failed: not bootstrapped\nreadyz check failed");
    if (req.method === "GET" && req.url === "/api/v1/nodes") {
      const items = ready ? opts.nodes.filter((name) => nodes.exists(name)).map((name) => nodes.node(name, Date.now())) : [];
      return send(200, { kind: "NodeList", apiVersion: "v1", items });
    }
    const day2 = day2Route(req, nodes);
    if (day2 !== undefined) return void readBody(req).then(() => send(day2.status, day2.body));
    return send(404, { kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404, message: `the loopback stand-in serves only the readiness calls, not ${req.method} ${req.url}` });
  });
  server.listen(opts.port, opts.host, () => {
    process.stdout.write(`${JSON.stringify({ address: `${opts.host}:${opts.port}` })}\n`);
  });
  process.stdin.on("end", () => {
    clearInterval(poll);
    server.close();
    process.exit(0);
  });
  process.stdin.resume();
}

main();
