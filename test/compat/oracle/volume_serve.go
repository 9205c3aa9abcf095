package main

import (
	"fmt"
	"slices"
	"strings"

	cosi "github.com/cosi-project/runtime/api/v1alpha1"

	"github.com/siderolabs/talos/pkg/machinery/resources/block"
)

type servedVolume struct {
	id        string
	location  string
	encrypted bool
}

// servedVolumes are the system volumes a running node reports as VolumeStatus resources (block.talos.dev),
// in the order machined lists them. STATE and EPHEMERAL are LUKS2 volumes unlocked with a TPM-sealed key unless
// --volume-unencrypted names them; META is never encrypted (Talos keeps it plain).
var servedVolumes = []servedVolume{
	{id: "META", location: "/dev/sda4"},
	{id: "STATE", location: "/dev/sda5", encrypted: true},
	{id: "EPHEMERAL", location: "/dev/sda6", encrypted: true},
}

// parseUnencryptedVolumes checks a --volume-unencrypted list against the encrypted volumes this fake serves.
func parseUnencryptedVolumes(list string) ([]string, error) {
	if list == "" {
		return nil, nil
	}

	ids := strings.Split(list, ",")
	for _, id := range ids {
		if !slices.ContainsFunc(servedVolumes, func(v servedVolume) bool { return v.id == id && v.encrypted }) {
			return nil, fmt.Errorf("--volume-unencrypted %q: not an encrypted volume of this fake (STATE, EPHEMERAL)", id)
		}
	}

	return ids, nil
}

// volumeStatusSpec is the status machined reports for a prepared, mounted volume: with LUKS2 and the TPM key
// (ConfiguredEncryptionKeys lists key types, "tpm" for a TPM-sealed slot), or with no encryption.
func volumeStatusSpec(location string, encrypted bool) block.VolumeStatusSpec {
	spec := block.VolumeStatusSpec{
		Phase:              block.VolumePhaseReady,
		Type:               block.VolumeTypePartition,
		Location:           location,
		MountLocation:      location,
		Filesystem:         block.FilesystemTypeXFS,
		EncryptionProvider: block.EncryptionProviderNone,
	}

	if encrypted {
		spec.EncryptionProvider = block.EncryptionProviderLUKS2
		spec.ConfiguredEncryptionKeys = []string{block.EncryptionKeyTPM.String()}
		spec.MountLocation = "/dev/dm-" + strings.TrimPrefix(location, "/dev/sda")
	}

	return spec
}

// volumeResources are the VolumeStatus resources of a running node, YAML-encoded from Talos's own spec type.
func volumeResources(unencrypted []string) ([]*cosi.Resource, error) {
	resources := make([]*cosi.Resource, 0, len(servedVolumes))

	for _, volume := range servedVolumes {
		spec := volumeStatusSpec(volume.location, volume.encrypted && !slices.Contains(unencrypted, volume.id))

		yamlSpec, err := marshalYAML(spec)
		if err != nil {
			return nil, err
		}

		resources = append(resources, &cosi.Resource{
			Metadata: &cosi.Metadata{
				Namespace: string(block.NamespaceName), Type: string(block.VolumeStatusType), Id: volume.id, Version: "1", Phase: "running",
			},
			Spec: &cosi.Spec{YamlSpec: string(yamlSpec)},
		})
	}

	return resources, nil
}
