package main

// Allowed values of the enum-like properties this project sets whose doc comments in the npm package do not
// list them (the package types them as plain strings). The values are those the upstream Terraform provider
// (github.com/bpg/terraform-provider-proxmox v0.111.1, proxmoxtf/resource/vm) validates against. Properties
// whose doc comment lists the values ("Must be `a` | `b`", "Can be ...") get them from declared-types.json.
var undocumentedEnums = map[string][]string{
	"VmLegacyArgs.bios":                 {"ovmf", "seabios"},
	"VmLegacyArgs.scsiHardware":         {"lsi", "lsi53c810", "virtio-scsi-pci", "virtio-scsi-single", "megasas", "pvscsi"},
	"VmLegacyEfiDisk.type":              {"2m", "4m"},
	"VmLegacyAgent.type":                {"isa", "virtio"},
	"VmLegacyInitialization.type":       {"configdrive2", "nocloud"},
	"VmLegacyNetworkDevice.model":       {"e1000", "e1000e", "rtl8139", "virtio", "vmxnet3"},
	"VmLegacyOperatingSystem.type":      {"l24", "l26", "other", "solaris", "w2k", "w2k3", "w2k8", "win7", "win8", "win10", "win11", "wvista", "wxp"},
}
