import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { FluxBootstrap, type FluxBootstrapArgs } from "../../components/flux-bootstrap";
import { FLUX_OPERATOR_CHART_VERSION } from "../../kubernetes";
import { TEST_IDENTITY, TEST_IDENTITY_FILE, TEST_RECIPIENT } from "../kubernetes/fixtures";

/** What the engine is sent for one resource, secrets still in their envelopes. */
interface Registration {
  type: string;
  name: string;
  custom: boolean;
  provider: string;
  dependencies: string[];
  ignoreChanges: string[];
  inputs: Record<string, unknown>;
}

interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getProvider(): string;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}
type Monitor = { registerResource(req: RegisterResourceRequest, callback: (...args: unknown[]) => void): void };

const SECRET_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const GIT_TOKEN = "ghp_notARealTokenButUniqueEnough1234";

const registrations: Registration[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: (args) => args.inputs,
    },
    "talos-homelab",
    "test",
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    registrations.push({
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      provider: req.getProvider(),
      dependencies: req.getDependenciesList(),
      ignoreChanges: req.getIgnorechangesList(),
      inputs: req.getObject()?.toJavaScript() ?? {},
    });
    register(req, callback);
  };
});

const resolved = <T>(output: pulumi.Output<T>): Promise<T> => new Promise((resolve) => output.apply(resolve));

class ClusterHealthStub extends pulumi.CustomResource {
  constructor(name: string) {
    super("talos-homelab:index:TalosClusterHealth", name, {});
  }
}

interface Stack {
  health: ClusterHealthStub;
  healthUrn: string;
  providerUrn: string;
  flux: FluxBootstrap;
  mine: Registration[];
}

async function deploy(prefix: string, extra: Partial<FluxBootstrapArgs> = {}): Promise<Stack> {
  const health = new ClusterHealthStub(`${prefix}-health`);
  const provider = new k8s.Provider(`${prefix}-k8s`, { kubeconfig: "apiVersion: v1\nkind: Config\n" });
  const flux = new FluxBootstrap(prefix, {
    provider,
    clusterHealth: health,
    clusterIdentity: pulumi.secret(TEST_IDENTITY_FILE),
    repository: { url: "https://git.example.net/me/gitops.git", branch: "main", path: "clusters/homelab" },
    ...extra,
  });
  // The FluxInstance is registered last (it depends on everything else), so once its URN resolves all are in.
  await Promise.all([resolved(flux.fluxInstance.urn), resolved(flux.clusterRecipient), resolved(flux.namespace)]);
  const [healthUrn, providerUrn] = await Promise.all([resolved(health.urn), resolved(provider.urn)]);
  const mine = registrations.filter((r) => r.name === prefix || r.name.startsWith(`${prefix}-`));
  return { health, healthUrn, providerUrn, flux, mine };
}

const byType = (rs: Registration[], type: string) => rs.filter((r) => r.type === type);
const one = (rs: Registration[], type: string): Registration => {
  const found = byType(rs, type);
  expect(found, type).toHaveLength(1);
  return found[0];
};

function isSecretEnvelope(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_KEY] === SECRET_SIG;
}

/** Every string reachable without opening a secret envelope. */
function plainStrings(value: unknown, out: string[] = []): string[] {
  if (isSecretEnvelope(value)) return out;
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => plainStrings(v, out));
  else if (typeof value === "object" && value !== null) Object.values(value).forEach((v) => plainStrings(v, out));
  return out;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

describe("FluxBootstrap under mocks", () => {
  let https: Stack;
  beforeAll(async () => {
    https = await deploy("https", { gitCredentials: pulumi.secret({ transport: "https" as const, username: "git", password: GIT_TOKEN }) });
  });

  it("creates the namespace, both Secrets, the operator chart and the FluxInstance", () => {
    expect(one(https.mine, "talos-homelab:index:FluxBootstrap").custom).toBe(false);
    expect(one(https.mine, "kubernetes:core/v1:Namespace").name).toBe("https-namespace");
    expect(byType(https.mine, "kubernetes:core/v1:Secret").map((r) => r.name).sort()).toEqual(["https-git-credentials", "https-sops-age"]);
    expect(one(https.mine, "kubernetes:helm.sh/v4:Chart").name).toBe("https-flux-operator");
    expect(one(https.mine, "kubernetes:fluxcd.controlplane.io/v1:FluxInstance").name).toBe("https-flux-instance");
  });

  it("creates every Flux resource after cluster health, with the cluster's provider", () => {
    const children = https.mine.filter((r) => r.type.startsWith("kubernetes:"));
    expect(children).toHaveLength(5);
    for (const r of children) {
      expect(r.dependencies, r.name).toContain(https.healthUrn);
      expect(r.provider, r.name).toMatch(new RegExp(`^${https.providerUrn.replace(/[$]/g, "\\$")}::`));
    }
  });

  it("creates the FluxInstance after the chart (its CRD) and the Secrets it references", async () => {
    const instance = one(https.mine, "kubernetes:fluxcd.controlplane.io/v1:FluxInstance");
    const chartUrn = await resolved(https.flux.chart.urn);
    expect(instance.dependencies).toContain(chartUrn);
    expect(instance.dependencies.filter((urn) => urn.includes("kubernetes:core/v1:Secret::"))).toHaveLength(2);
  });

  it("installs the pinned Flux Operator chart from its OCI registry", () => {
    const chart = one(https.mine, "kubernetes:helm.sh/v4:Chart");
    expect(chart.inputs.chart).toBe("oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator");
    expect(chart.inputs.version).toBe(FLUX_OPERATOR_CHART_VERSION);
    expect(FLUX_OPERATOR_CHART_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(chart.inputs.namespace).toBe("flux-system");
  });

  it("sends the Secret data only inside Pulumi secrets", () => {
    for (const secret of byType(https.mine, "kubernetes:core/v1:Secret")) {
      expect(isSecretEnvelope(secret.inputs.data), secret.name).toBe(true);
    }
    const sopsAge = byType(https.mine, "kubernetes:core/v1:Secret").find((r) => r.name === "https-sops-age");
    const data = (sopsAge?.inputs.data as { value: Record<string, string> }).value;
    expect(data).toEqual({ "age.agekey": b64(`${TEST_IDENTITY}\n`) });
  });

  it("puts no key material in any input outside a secret", () => {
    const leaks = [TEST_IDENTITY, b64(`${TEST_IDENTITY}\n`), GIT_TOKEN, b64(GIT_TOKEN)];
    for (const r of https.mine) {
      const strings = plainStrings(r.inputs);
      for (const leak of leaks) expect(strings.some((s) => s.includes(leak)), `${r.name} leaks`).toBe(false);
    }
    // The check can see a leak: the same walk over the unwrapped Secret finds the identity.
    const sopsAge = https.mine.find((r) => r.name === "https-sops-age");
    expect(plainStrings((sopsAge?.inputs.data as { value: unknown }).value)).toContain(b64(`${TEST_IDENTITY}\n`));
  });

  it("points the FluxInstance at the repository with the pull secret and the decryption patch", () => {
    const spec = one(https.mine, "kubernetes:fluxcd.controlplane.io/v1:FluxInstance").inputs.spec as {
      sync: Record<string, string>;
      kustomize: { patches: Array<{ target: Record<string, string> }> };
    };
    expect(spec.sync).toMatchObject({ url: "https://git.example.net/me/gitops.git", ref: "refs/heads/main", path: "clusters/homelab", pullSecret: "flux-system" });
    expect(spec.kustomize.patches[0].target).toMatchObject({ kind: "Kustomization", name: "flux-system" });
  });

  it("exposes the cluster recipient, not as a secret", async () => {
    expect(await resolved(https.flux.clusterRecipient)).toBe(TEST_RECIPIENT);
    expect(await pulumi.isSecret(https.flux.clusterRecipient)).toBe(false);
  });

  it("leaves the FluxInstance spec to Git only when asked", async () => {
    expect(one(https.mine, "kubernetes:fluxcd.controlplane.io/v1:FluxInstance").ignoreChanges).toEqual([]);
    const handedOff = await deploy("handoff", { fluxInstanceManagedBy: "git" });
    expect(one(handedOff.mine, "kubernetes:fluxcd.controlplane.io/v1:FluxInstance").ignoreChanges).toEqual(["spec"]);
  });

  it("creates no credentials Secret and no pullSecret for a public repository", async () => {
    const open = await deploy("public");
    expect(byType(open.mine, "kubernetes:core/v1:Secret").map((r) => r.name)).toEqual(["public-sops-age"]);
    const spec = one(open.mine, "kubernetes:fluxcd.controlplane.io/v1:FluxInstance").inputs.spec as { sync: Record<string, string> };
    expect(spec.sync).not.toHaveProperty("pullSecret");
  });
});

describe("FluxBootstrap during a key rotation's overlap window", () => {
  // test-only: a previous cluster identity kept during the overlap
  const PREVIOUS = "AGE-SECRET-KEY-1WJ0SKF2N2FATVKSQK0936FLHPG6EFE2JAXR0D044N9566EF6E39S3XWNRR";
  let overlap: Stack;
  let single: Stack;
  beforeAll(async () => {
    overlap = await deploy("overlap", { previousClusterIdentities: pulumi.secret([PREVIOUS]) });
    single = await deploy("single", { previousClusterIdentities: pulumi.secret([]) });
  });

  it("puts both identities into the sops-age Secret (current first), inside a Pulumi secret", () => {
    const sopsAge = byType(overlap.mine, "kubernetes:core/v1:Secret").find((r) => r.name === "overlap-sops-age")!;
    expect(isSecretEnvelope(sopsAge.inputs.data)).toBe(true);
    expect((sopsAge.inputs.data as { value: Record<string, string> }).value).toEqual({ "age.agekey": b64(`${TEST_IDENTITY}\n${PREVIOUS}\n`) });
    for (const r of overlap.mine) expect(plainStrings(r.inputs).some((s) => s.includes(PREVIOUS)), r.name).toBe(false);
  });

  it("tells kustomize-controller to leave it alone while it holds two identities, and only then", () => {
    const annotations = (name: string, rs: Registration[]) =>
      (byType(rs, "kubernetes:core/v1:Secret").find((r) => r.name === name)!.inputs.metadata as { annotations?: Record<string, string> }).annotations;
    expect(annotations("overlap-sops-age", overlap.mine)).toEqual({ "kustomize.toolkit.fluxcd.io/reconcile": "disabled" });
    expect(annotations("single-sops-age", single.mine)).toBeUndefined();
  });
});
