package main

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/siderolabs/talos/pkg/machinery/api/machine"
)

// serveVolumes are the system-disk volume labels a Talos node has (what Reset's system_partitions_to_wipe names).
var serveVolumes = []string{"EFI", "META", "STATE", "EPHEMERAL"}

// resetRecord is one Reset call as the node published it in the cluster state.
type resetRecord struct {
	Graceful   bool     `json:"graceful"`
	Reboot     bool     `json:"reboot"`
	Mode       string   `json:"mode"`
	Partitions []string `json:"partitions"`
}

// Reset is machined's: validate the request, leave etcd when graceful (a control plane that is a member), wipe,
// then reboot into maintenance mode (when STATE is wiped) or power off (reboot=false).
func (s *serveMachine) Reset(_ context.Context, in *machine.ResetRequest) (*machine.ResetResponse, error) {
	if s.mode.inMaintenance() {
		return nil, serveNotInMaintenance
	}

	labels, err := resetLabels(in)
	if err != nil {
		return nil, err
	}

	if in.GetGraceful() && s.node.currentRole() == roleControlPlane {
		if err = s.leaveEtcdIfMember(); err != nil {
			return nil, fmt.Errorf("failed to leave cluster: %w", err)
		}
	}

	wipesConfig := in.GetMode() != machine.ResetRequest_USER_DISKS && (len(labels) == 0 || slices.Contains(labels, "STATE"))
	record := resetRecord{Graceful: in.GetGraceful(), Reboot: in.GetReboot(), Mode: in.GetMode().String(), Partitions: labels}
	powerOff := !in.GetReboot() || s.faults.upgradeStep("Reset") == stepDown

	if err = s.node.publish(func(c *clusterNode) {
		c.Resets = append(c.Resets, record)
		c.Configured = c.Configured && !wipesConfig
	}); err != nil {
		return nil, err
	}

	after := func() {}
	if wipesConfig {
		after = s.mode.resetToMaintenance
	}

	if err = s.node.reboot("", powerOff, after); err != nil {
		return nil, err
	}

	return &machine.ResetResponse{Messages: []*machine.Reset{{ActorId: newActorID()}}}, nil
}

// resetLabels checks the request as machined does and returns the system partitions it wipes (none = all).
func resetLabels(in *machine.ResetRequest) ([]string, error) {
	if len(in.GetUserDisksToWipe()) > 0 {
		if in.GetMode() == machine.ResetRequest_SYSTEM_DISK {
			return nil, errors.New("reset failed: invalid input, wipe mode SYSTEM_DISK doesn't support UserDisksToWipe parameter")
		}

		return nil, fmt.Errorf("reset user disk failed: device %s wasn't found", in.GetUserDisksToWipe()[0])
	}

	var labels []string

	if len(in.GetSystemPartitionsToWipe()) > 0 && in.GetMode() == machine.ResetRequest_USER_DISKS {
		return nil, errors.New("reset failed: invalid input, wipe mode USER_DISKS doesn't support SystemPartitionsToWipe parameter")
	}

	for _, spec := range in.GetSystemPartitionsToWipe() {
		if !slices.Contains(serveVolumes, spec.GetLabel()) {
			return nil, fmt.Errorf("failed to get volume status with label %q: resource VolumeStatuses.block.talos.dev(runtime/%s@undefined) doesn't exist",
				spec.GetLabel(), spec.GetLabel())
		}

		if spec.GetWipe() {
			labels = append(labels, spec.GetLabel())
		}
	}

	return labels, nil
}

// leaveEtcdIfMember is the reset sequence's "leave etcd" task: a control plane that is no member has nothing to leave.
func (s *serveMachine) leaveEtcdIfMember() error {
	member := false

	if err := s.node.cluster.update(func(c *clusterState) error {
		member = !c.Static && c.member(s.node.hostname) != nil

		return nil
	}); err != nil {
		return err
	}

	if !member {
		return nil
	}

	return s.leaveEtcd()
}
