import { request } from "node:https";
import { parse } from "yaml";

/** The admin kubeconfig's current context: API server URL and client-certificate credentials (PEM). */
export interface KubeCredentials {
  readonly server: string;
  readonly ca: string;
  readonly crt: string;
  readonly key: string;
}

interface Named<T> {
  name: string;
  cluster?: T;
  user?: T;
  context?: T;
}

function pick<T>(list: Named<T>[] | undefined, name: string, kind: "cluster" | "user" | "context"): T {
  const entry = list?.find((item) => item.name === name)?.[kind];
  if (entry === undefined) throw new Error(`kubeconfig: ${kind} "${name}" (from the current context) is not defined`);
  return entry;
}

function decode(field: string, value: string | undefined): string {
  if (value === undefined || value === "") {
    throw new Error(`kubeconfig: "${field}" is missing; the health check needs the admin kubeconfig with embedded certificates`);
  }
  return Buffer.from(value, "base64").toString("utf8");
}

/** Reads the current context of a kubeconfig with embedded client certificate data. */
export function parseKubeconfig(text: string): KubeCredentials {
  const doc = parse(text) as {
    "current-context"?: string;
    contexts?: Named<{ cluster: string; user: string }>[];
    clusters?: Named<{ server: string; "certificate-authority-data"?: string }>[];
    users?: Named<{ "client-certificate-data"?: string; "client-key-data"?: string }>[];
  };
  const current = doc["current-context"];
  if (current === undefined || current === "") throw new Error('kubeconfig has no "current-context"');
  const context = pick(doc.contexts, current, "context");
  const cluster = pick(doc.clusters, context.cluster, "cluster");
  const user = pick(doc.users, context.user, "user");
  return {
    server: cluster.server,
    ca: decode("certificate-authority-data", cluster["certificate-authority-data"]),
    crt: decode("client-certificate-data", user["client-certificate-data"]),
    key: decode("client-key-data", user["client-key-data"]),
  };
}

export interface KubeResponse {
  readonly status: number;
  readonly body: string;
}

/** One request to the Kubernetes API with the kubeconfig's client certificate (no kubectl). */
export function kubeRequest(
  credentials: KubeCredentials,
  method: "GET" | "PATCH" | "POST" | "DELETE",
  path: string,
  options: { body?: unknown; contentType?: string; timeoutMs?: number } = {},
): Promise<KubeResponse> {
  const url = new URL(path, credentials.server);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { accept: "application/json" };
  if (payload !== undefined) headers["content-type"] = options.contentType ?? "application/json";
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca: credentials.ca, cert: credentials.crt, key: credentials.key, timeout: timeoutMs, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${url.href} timed out after ${timeoutMs / 1000}s`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** One GET against the Kubernetes API with the kubeconfig's client certificate (no kubectl). */
export function kubeGet(credentials: KubeCredentials, path: string, timeoutMs = 10_000): Promise<KubeResponse> {
  return kubeRequest(credentials, "GET", path, { timeoutMs });
}

export interface KubeNodeStatus {
  readonly name: string;
  readonly ready: boolean;
  /** The Ready condition's reason/message when not ready. */
  readonly detail: string;
}

interface NodeList {
  items?: { metadata?: { name?: string }; status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] } }[];
}

/** Parses a `/api/v1/nodes` reply into each node's Ready condition. */
export function nodeStatuses(body: string): KubeNodeStatus[] {
  const list = JSON.parse(body) as NodeList;
  return (list.items ?? []).map((item) => {
    const ready = item.status?.conditions?.find((condition) => condition.type === "Ready");
    return {
      name: item.metadata?.name ?? "",
      ready: ready?.status === "True",
      detail: ready === undefined ? "no Ready condition yet" : [ready.reason, ready.message].filter(Boolean).join(": "),
    };
  });
}
