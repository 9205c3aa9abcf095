import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";

export interface TalosImageArgs {
  /** Image Factory ISO URL for the schematic and version. */
  readonly isoUrl: string;
  /** Stable file name containing the version and the schematic id. */
  readonly fileName: string;
  /** Proxmox nodes that need the ISO: it is downloaded once per node. */
  readonly proxmoxNodes: readonly string[];
  readonly datastoreId: string;
}

/** The Talos ISO (from the Image Factory schematic) on every Proxmox node that runs a Talos VM. */
export class TalosImage extends pulumi.ComponentResource {
  /** Proxmox volume id of the ISO per Proxmox node, e.g. `local:iso/talos-v1.11.5-....iso`. */
  readonly fileIds: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: TalosImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("talos-homelab:index:TalosImage", name, {}, opts);
    const fileIds: Record<string, pulumi.Output<string>> = {};
    for (const nodeName of [...new Set(args.proxmoxNodes)].sort()) {
      const file = new proxmox.download.File(
        `${name}-${nodeName}`,
        {
          nodeName,
          datastoreId: args.datastoreId,
          contentType: "iso",
          url: args.isoUrl,
          fileName: args.fileName,
          // Size-based replacement would re-download on refresh; the file name already pins version + schematic.
          overwrite: false,
          uploadTimeout: 1800,
        },
        // Kept on Proxmox when replaced: the VMs' CD-ROMs still reference the previous ISO (upgrades go through Talos).
        { parent: this, deleteBeforeReplace: true, retainOnDelete: true },
      );
      fileIds[nodeName] = file.id;
    }
    this.fileIds = fileIds;
    this.registerOutputs({ fileIds });
  }
}
