/**
 * The shape of Talos config documents as far as merging and encoding need it: struct field order
 * (Talos encodes fields in Go struct order), which fields are omitted when empty, which lists Talos
 * replaces or merges by a key instead of appending, and which scalars are pointers (a zero value in a
 * patch overwrites a pointer but is ignored for a plain scalar). Anything not described here is
 * merged generically (maps per key in insertion order, lists appended).
 */
import type { YamlValue } from "./yaml-value";

export type TypeNode =
  | { readonly kind: "struct"; readonly fields: readonly FieldNode[] }
  | { readonly kind: "map"; readonly value: TypeNode }
  | { readonly kind: "list"; readonly item: TypeNode; readonly mergeKey?: ListMergeKey; readonly replace?: boolean }
  /** Free-form YAML (Go `Unstructured`): maps merge per key with sorted keys; `replace` swaps it whole. */
  | { readonly kind: "unstructured"; readonly replace?: boolean }
  | { readonly kind: "scalar"; readonly pointer: boolean }
  | { readonly kind: "any" };

/** How a keyed list finds the existing element a patch element merges into. */
export type ListMergeKey = { readonly field: string } | { readonly anyOf: readonly string[] };

export interface FieldNode {
  readonly name: string;
  readonly type: TypeNode;
  /** Go `omitempty`: the encoder drops the field when it is empty. */
  readonly omitEmpty: boolean;
  /** A pointer or struct-valued field: `{}` is kept when encoding (a non-nil pointer to an empty struct). */
  readonly keepEmptyObject: boolean;
  /** What Go writes for a field without omitempty that the document lacks (e.g. `routes: []`). */
  readonly zero?: YamlValue;
}

const scalar: TypeNode = { kind: "scalar", pointer: false };
const ptr: TypeNode = { kind: "scalar", pointer: true };
const any: TypeNode = { kind: "any" };
const unstructured: TypeNode = { kind: "unstructured" };
const stringMap: TypeNode = { kind: "map", value: scalar };
const list = (item: TypeNode, extra: { mergeKey?: ListMergeKey; replace?: boolean } = {}): TypeNode => ({
  kind: "list",
  item,
  ...extra,
});

/**
 * Field spec: "name" (omitempty), "name!" (always emitted), "name*" (pointer/struct: `{}` kept); the
 * optional third element is the zero value Go writes when an always-emitted field is missing.
 */
function struct(...fields: ReadonlyArray<readonly [string, TypeNode, YamlValue?]>): TypeNode {
  return {
    kind: "struct",
    fields: fields.map(([spec, type, zero]) => {
      const always = spec.includes("!");
      const keep = spec.includes("*");
      const listZero = always && type.kind === "list" ? [] : undefined;
      return { name: spec.replace(/[!*]/g, ""), type, omitEmpty: !always, keepEmptyObject: keep || always, zero: zero ?? listZero };
    }),
  };
}

const pemCertAndKey = struct(["crt!", scalar], ["key!", scalar]);

const route = struct(["network!", scalar, ""], ["gateway!", scalar, ""], ["source", scalar], ["metric", scalar], ["mtu", scalar]);
const vip = struct(["ip", scalar], ["equinixMetal*", any], ["hcloud*", any]);
const deviceSelector = struct(
  ["busPath", scalar],
  ["hardwareAddr", scalar],
  ["permanentAddr", scalar],
  ["pciID", scalar],
  ["driver", scalar],
  ["physical", ptr],
);
const vlan = struct(
  ["addresses", list(scalar)],
  ["cidr", scalar],
  ["routes!", list(route)],
  ["dhcp", ptr],
  ["vlanId!", scalar, 0],
  ["mtu", scalar],
  ["vip*", vip],
  ["dhcpOptions*", any],
);
const device = struct(
  ["interface", scalar],
  ["deviceSelector*", deviceSelector],
  ["addresses", list(scalar)],
  ["cidr", scalar],
  ["routes", list(route)],
  ["bond*", any],
  ["bridge*", any],
  ["bridgePort*", any],
  ["vlans", list(vlan, { mergeKey: { field: "vlanId" } })],
  ["mtu", scalar],
  ["dhcp", ptr],
  ["ignore", ptr],
  ["dummy", ptr],
  ["dhcpOptions*", any],
  ["wireguard*", any],
  ["vip*", vip],
);

const machineNetwork = struct(
  ["hostname", scalar],
  ["interfaces", list(device, { mergeKey: { anyOf: ["interface", "deviceSelector"] } })],
  ["nameservers", list(scalar)],
  ["searchDomains", list(scalar)],
  ["extraHostEntries", list(any)],
  ["kubespan*", any],
  ["disableSearchDomain", ptr],
);

const install = struct(
  ["disk", scalar],
  ["diskSelector*", any],
  ["extraKernelArgs", list(scalar)],
  ["image", scalar],
  ["extensions", list(any)],
  ["bootloader", ptr],
  ["wipe!", ptr],
  ["legacyBIOSSupport", ptr],
  ["grubUseUKICmdline", ptr],
);

const kubelet = struct(
  ["image", scalar],
  ["clusterDNS", list(scalar)],
  ["extraArgs", stringMap],
  ["extraMounts", list(any)],
  ["extraConfig", unstructured],
  ["credentialProviderConfig", unstructured],
  ["defaultRuntimeSeccompProfileEnabled", ptr],
  ["registerWithFQDN", ptr],
  ["nodeIP*", any],
  ["skipNodeRegistration", ptr],
  ["disableManifestsDirectory", ptr],
);

const features = struct(
  ["rbac", ptr],
  ["stableHostname", ptr],
  ["kubernetesTalosAPIAccess*", any],
  ["apidCheckExtKeyUsage", ptr],
  ["diskQuotaSupport", ptr],
  ["kubePrism*", struct(["enabled", ptr], ["port", scalar])],
  ["hostDNS*", struct(["enabled", ptr], ["forwardKubeDNSToHost", ptr], ["resolveMemberNames", ptr])],
  ["imageCache*", any],
  ["nodeAddressSortAlgorithm", scalar],
);

const encryptionKey = struct(
  ["slot!", scalar],
  ["static*", struct(["passphrase", scalar])],
  ["nodeID*", struct()],
  ["kms*", struct(["endpoint", scalar])],
  ["tpm*", struct(["options*", struct(["pcrs", list(scalar)])], ["checkSecurebootStatusOnEnroll", ptr])],
  ["lockToState", ptr],
);
const encryption = struct(
  ["provider!", scalar],
  ["keys!", list(encryptionKey)],
  ["cipher", scalar],
  ["keySize", scalar],
  ["blockSize", scalar],
  ["options", list(scalar)],
);

const machine = struct(
  ["type!", scalar],
  ["token!", scalar],
  ["ca*", pemCertAndKey],
  ["acceptedCAs", list(any)],
  ["certSANs!", list(scalar)],
  ["controlPlane*", any],
  ["kubelet*", kubelet],
  ["pods", list(unstructured)],
  ["network*", machineNetwork],
  ["disks", list(any)],
  ["install*", install],
  ["files", list(any)],
  ["env", stringMap],
  ["time*", any],
  ["sysctls", stringMap],
  ["sysfs", stringMap],
  ["registries", any],
  ["systemDiskEncryption*", struct(["state*", encryption], ["ephemeral*", encryption])],
  ["features*", features],
  ["udev*", any],
  ["logging*", any],
  ["kernel*", any],
  ["seccompProfiles", list(any)],
  ["baseRuntimeSpecOverrides", unstructured],
  ["nodeLabels", stringMap],
  ["nodeAnnotations", stringMap],
  ["nodeTaints", stringMap],
);

const admissionPlugin = struct(["name!", scalar], ["configuration!", unstructured]);
const apiServer = struct(
  ["image", scalar],
  ["extraArgs", stringMap],
  ["extraVolumes", list(any)],
  ["env", stringMap],
  ["certSANs", list(scalar)],
  ["disablePodSecurityPolicy", ptr],
  ["admissionControl", list(admissionPlugin, { mergeKey: { field: "name" } })],
  ["auditPolicy", { kind: "unstructured", replace: true }],
  ["resources*", any],
  ["authorizationConfig", list(any)],
);

const cluster = struct(
  ["id", scalar],
  ["secret", scalar],
  ["controlPlane!", struct(["endpoint!", scalar], ["localAPIServerPort", scalar])],
  ["clusterName", scalar],
  [
    "network*",
    struct(
      ["cni*", any],
      ["dnsDomain!", scalar],
      ["podSubnets!", list(scalar, { replace: true })],
      ["serviceSubnets!", list(scalar, { replace: true })],
    ),
  ],
  ["token", scalar],
  ["aescbcEncryptionSecret", scalar],
  ["secretboxEncryptionSecret", scalar],
  ["ca*", pemCertAndKey],
  ["acceptedCAs", list(any)],
  ["aggregatorCA*", pemCertAndKey],
  ["serviceAccount*", struct(["key!", scalar])],
  ["apiServer*", apiServer],
  ["controllerManager*", any],
  ["proxy*", any],
  ["scheduler*", any],
  ["discovery*", any],
  ["etcd*", struct(["image", scalar], ["ca!", pemCertAndKey], ["extraArgs", stringMap], ["subnet", scalar], ["advertisedSubnets", list(scalar)], ["listenSubnets", list(scalar)])],
  ["coreDNS*", any],
  ["externalCloudProvider*", any],
  ["extraManifests", list(scalar)],
  ["extraManifestHeaders", stringMap],
  ["inlineManifests", list(any)],
  ["adminKubeconfig*", any],
  ["allowSchedulingOnMasters", ptr],
  ["allowSchedulingOnControlPlanes", ptr],
);

/** The v1alpha1 (legacy, kind-less) machine config document. */
export const V1ALPHA1_CONFIG: TypeNode = struct(
  ["version!", scalar],
  ["debug", ptr],
  ["persist", ptr],
  ["machine!", machine],
  ["cluster!", cluster],
);

const meta: ReadonlyArray<readonly [string, TypeNode]> = [
  ["apiVersion!", scalar],
  ["kind!", scalar],
];

/** Typed (apiVersion/kind) documents by kind. Kinds not listed are merged generically. */
export const DOCUMENT_TYPES: Readonly<Record<string, TypeNode>> = {
  VolumeConfig: struct(
    ...meta,
    ["name!", scalar],
    ["provisioning", any],
    ["filesystem", any],
    ["encryption", encryption],
    ["mount", struct(["secure", ptr], ["disableAccessTime", ptr])],
    ["trim*", any],
    ["scrub*", any],
    ["xfs*", any],
  ),
  UnattendedInstallConfig: struct(
    ...meta,
    ["reboot", ptr],
    ["installer!", struct(["image", scalar])],
    ["provisioning!", struct(["diskSelector", struct(["match", scalar])], ["wipe", ptr])],
  ),
  // 1.14 documents whose lists or free-form configuration Talos replaces on merge (`merge:"replace"`)
  KubeNetworkConfig: struct(
    ...meta,
    ["dnsDomain!", scalar],
    ["podSubnets!", list(scalar, { replace: true })],
    ["serviceSubnets!", list(scalar, { replace: true })],
    ["nodeCIDRMaskSizeIPv4", scalar],
    ["nodeCIDRMaskSizeIPv6", scalar],
  ),
  KubeAuditPolicyConfig: struct(...meta, ["configuration!", { kind: "unstructured", replace: true }]),
  KubeAuthenticationConfig: struct(...meta, ["configuration!", { kind: "unstructured", replace: true }]),
  KubeAPIServerConfig: struct(
    ...meta,
    ["image!", scalar],
    ["extraArgs", any],
    ["env", stringMap],
    ["resources", any],
    ["apiPort", ptr],
    ["certExtraSANs", list(scalar)],
    ["startupProbes", ptr],
  ),
  HostnameConfig: struct(...meta, ["auto", ptr], ["hostname", scalar]),
  ResolverConfig: struct(
    ...meta,
    ["nameservers", list(struct(["address!", scalar]))],
    ["searchDomains", struct(["domains", list(scalar, { replace: true })], ["disableDefault", ptr])],
    ["hostDNS", struct(["enabled", ptr], ["forwardKubeDNSToHost", ptr], ["resolveMemberNames", ptr])],
  ),
  LinkAliasConfig: struct(...meta, ["name!", scalar], ["selector", struct(["match", scalar])]),
  LinkConfig: struct(
    ...meta,
    ["name!", scalar],
    ["up", ptr],
    ["mtu", scalar],
    ["addresses", list(struct(["address!", scalar], ["routePriority", ptr]))],
    [
      "routes",
      list(struct(["destination", scalar], ["gateway", scalar], ["source", scalar], ["metric", scalar], ["mtu", scalar], ["table", scalar])),
    ],
    ["multicast", ptr],
  ),
  Layer2VIPConfig: struct(...meta, ["name!", scalar], ["link!", scalar]),
  ExtensionServiceConfig: struct(
    ...meta,
    ["name!", scalar],
    ["configFiles", list(any, { mergeKey: { field: "mountPath" } })],
    ["environment", list(scalar)],
  ),
  NetworkRuleConfig: struct(
    ...meta,
    ["name!", scalar],
    ["portSelector", struct(["ports!", list(any, { replace: true })], ["protocol!", scalar])],
    ["ingress!", list(any, { replace: true })],
  ),
};

/** The schema of a document: the v1alpha1 config when it has no kind, else its kind's entry (or `any`). */
export function documentType(kind: string | undefined): TypeNode {
  if (kind === undefined) return V1ALPHA1_CONFIG;
  return DOCUMENT_TYPES[kind] ?? any;
}

export function fieldOf(type: TypeNode, name: string): FieldNode | undefined {
  return type.kind === "struct" ? type.fields.find((f) => f.name === name) : undefined;
}
