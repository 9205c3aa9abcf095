import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import type { HomelabConfig, HomelabNode } from "../config";
import { formatCidr } from "../config/ipv4";

export interface TalosNodeArgs {
  readonly clusterName: string;
  readonly node: HomelabNode;
  readonly datastores: HomelabConfig["datastores"];
  readonly network: HomelabConfig["network"];
  readonly cpuType: HomelabConfig["image"]["cpuType"];
  /** Attach a TPM 2.0 (needed for TPM-sealed disk encryption). */
  readonly tpm: boolean;
  /** Enable the QEMU guest agent: only when the schematic has the qemu-guest-agent extension. */
  readonly guestAgent: boolean;
  /** The Talos ISO on this node's Proxmox host. */
  readonly isoFileId: pulumi.Input<string>;
}

/** Fields whose change would recreate a running node; Talos upgrades change the image, not the VM. */
export const TALOS_NODE_IGNORE_CHANGES = ["cdrom.fileId"];

function vmArgs(args: TalosNodeArgs): proxmox.VmLegacyArgs {
  const { node, datastores, network } = args;
  return {
    nodeName: node.proxmoxNode,
    vmId: node.vmId,
    name: node.name,
    description: `Talos ${node.role} of cluster ${args.clusterName} (managed by Pulumi)`,
    tags: ["talos", args.clusterName, node.role].sort(),
    onBoot: true,
    started: true,
    machine: "q35",
    bios: "ovmf",
    efiDisk: { datastoreId: datastores.efi, fileFormat: "raw", type: "4m", preEnrolledKeys: false },
    ...(args.tpm ? { tpmState: { datastoreId: datastores.tpm, version: "v2.0" } } : {}),
    cpu: { cores: node.cores, sockets: 1, type: args.cpuType },
    memory: { dedicated: node.memoryMiB, floating: 0 },
    agent: args.guestAgent
      ? { enabled: true, trim: true, type: "virtio", timeout: "15m", waitForIp: { ipv4: true } }
      : { enabled: false },
    // Plain VirtIO SCSI: "VirtIO SCSI single" was reported to hang Talos install/bootstrap (siderolabs/talos#11173).
    scsiHardware: "virtio-scsi-pci",
    disks: [
      {
        interface: "scsi0",
        datastoreId: datastores.vm,
        size: node.diskSizeGiB,
        fileFormat: "raw",
        iothread: true,
        discard: "on",
        ssd: true,
      },
    ],
    cdrom: { fileId: args.isoFileId, interface: "ide0" },
    bootOrders: ["scsi0", "ide0"],
    networkDevices: [
      {
        bridge: network.bridge,
        model: "virtio",
        ...(network.vlan !== undefined ? { vlanId: network.vlan } : {}),
        ...(node.mac !== undefined ? { macAddress: node.mac } : {}),
      },
    ],
    operatingSystem: { type: "l26" },
    serialDevices: [{ device: "socket" }],
    initialization: {
      type: "nocloud",
      datastoreId: datastores.cloudInit,
      interface: "ide2",
      ipConfigs: [{ ipv4: { address: formatCidr(node.address), gateway: node.gateway } }],
      dns: { servers: [...network.nameservers] },
    },
    stopOnDestroy: true,
    timeoutCreate: 1200,
    timeoutStartVm: 600,
  };
}

/** One Proxmox VM for one Talos node: UEFI with SecureBoot-ready EFI vars, TPM 2.0, cloud-init network only. */
export class TalosNode extends pulumi.ComponentResource {
  readonly vm: proxmox.VmLegacy;
  readonly vmId: pulumi.Output<number>;
  readonly address: string;

  constructor(name: string, args: TalosNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("talos-homelab:index:TalosNode", name, {}, opts);
    this.vm = new proxmox.VmLegacy(name, vmArgs(args), {
      parent: this,
      protect: args.node.role === "controlplane",
      ignoreChanges: TALOS_NODE_IGNORE_CHANGES,
    });
    this.vmId = this.vm.vmId;
    this.address = args.node.address.address;
    this.registerOutputs({ vmId: this.vmId });
  }
}
