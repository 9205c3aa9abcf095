/**
 * The one mapping from the validated stack config to the Talos rendering inputs, shared by
 * `talos-homelab render` and the Pulumi components so both produce the same machine configs.
 */
import type { HomelabConfig, HomelabNode } from "../config";
import { formatCidr } from "../config/ipv4";
import { installerImage, isoFileName, isoUrl } from "../talos/image-factory";
import { schematicId } from "../talos/schematic";
import type { ClusterSpec, NodeSpec } from "../talos/types";

export interface TalosImageRef {
  /** Image Factory schematic id (64 hex) of config.image.extensions. */
  readonly schematicId: string;
  /** The nocloud ISO to boot from, `-secureboot` when SecureBoot is on. */
  readonly isoUrl: string;
  /** The nocloud installer image, `-secureboot` when SecureBoot is on. */
  readonly installerImage: string;
  /** Stable ISO file name that changes whenever the version, schematic or SecureBoot flavour does. */
  readonly isoFileName: string;
}

/** Schematic, ISO and installer for the configured Talos version, extensions and SecureBoot setting. */
export function imageFor(config: HomelabConfig): TalosImageRef {
  const image = {
    schematicId: schematicId(config.image.extensions),
    talosVersion: config.talosVersion,
    secureBoot: config.security.secureBoot,
    platform: "nocloud",
  };
  return {
    schematicId: image.schematicId,
    isoUrl: isoUrl(image),
    installerImage: installerImage(image),
    isoFileName: isoFileName(image),
  };
}

/** Cluster-wide machine config inputs. */
export function clusterSpecFor(config: HomelabConfig): ClusterSpec {
  return {
    contract: config.contract,
    clusterName: config.clusterName,
    kubernetesVersion: config.kubernetesVersion,
    vip: config.controlPlane.vip,
    endpoint: config.controlPlane.endpoint,
    certSANs: [...config.controlPlane.certSANs],
    nameservers: [...config.network.nameservers],
    installDisk: config.image.installDisk,
    installerImage: imageFor(config).installerImage,
    diskEncryption: config.security.tpmDiskEncryption ? "tpm" : "nodeid",
    patches: [...config.patches.cluster],
    rolePatches: {
      controlplane: [...config.patches.controlplane],
      worker: [...config.patches.worker],
    },
  };
}

/** Per-node machine config inputs for one node of the config. */
export function nodeSpecFor(config: HomelabConfig, node: HomelabNode): NodeSpec {
  if (!config.nodes.some((n) => n.name === node.name)) {
    throw new Error(`node "${node.name}" is not in the nodes of cluster "${config.clusterName}"`);
  }
  return {
    name: node.name,
    role: node.role,
    address: formatCidr(node.address),
    gateway: node.gateway,
    ...(node.mac !== undefined ? { mac: node.mac.toLowerCase() } : {}),
    patches: [...node.patches],
  };
}
