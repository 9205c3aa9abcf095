package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/siderolabs/talos/pkg/machinery/api/machine"
)

// installerTag is a Talos release tag as installer images carry it (factory.talos.dev/installer/<schematic>:v1.14.1).
var installerTag = regexp.MustCompile(`^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)

// installerVersion is the Talos version an installer image reference installs: its tag.
func installerVersion(image string) (string, error) {
	ref, _, _ := strings.Cut(image, "@")
	slash := strings.LastIndex(ref, "/")
	colon := strings.LastIndex(ref, ":")

	if colon <= slash {
		return "", fmt.Errorf("error validating installer image %q: the reference has no tag (the fake apid installs the version its tag names)", image)
	}

	tag := ref[colon+1:]
	if !installerTag.MatchString(tag) {
		return "", fmt.Errorf("error validating installer image %q: tag %q is not a Talos version such as v1.14.1", image, tag)
	}

	return tag, nil
}

// Upgrade is machined's: validate the installer image, on a control plane (unless force or preserve) refuse
// when etcd would lose quorum, then acknowledge and reboot into the image's version after the reboot window.
func (s *serveMachine) Upgrade(_ context.Context, in *machine.UpgradeRequest) (*machine.UpgradeResponse, error) {
	if s.mode.inMaintenance() {
		return nil, serveNotInMaintenance
	}

	version, err := installerVersion(in.GetImage())
	if err != nil {
		return nil, err
	}

	if s.node.currentRole() == roleControlPlane && !in.GetForce() && !in.GetPreserve() {
		if err = s.validateEtcdForUpgrade(); err != nil {
			return nil, fmt.Errorf("error validating etcd for upgrade: %w", err)
		}
	}

	step := s.faults.upgradeStep("Upgrade")
	if err = s.node.publish(func(c *clusterNode) { c.Upgrades = append(c.Upgrades, in.GetImage()) }); err != nil {
		return nil, err
	}

	switch step {
	case stepBoot: // the new version failed to boot: Talos rolls back to the old one
		err = s.node.reboot("", false, nil)
	case stepDown: // the node never comes back
		err = s.node.reboot("", true, nil)
	default:
		err = s.node.reboot(version, false, nil)
	}

	if err != nil {
		return nil, err
	}

	return &machine.UpgradeResponse{Messages: []*machine.Upgrade{{Ack: "Upgrade request received", ActorId: newActorID()}}}, nil
}

// validateEtcdForUpgrade is Talos's etcd ValidateForUpgrade: two members cannot lose one, and every member must be up.
func (s *serveMachine) validateEtcdForUpgrade() error {
	return s.node.cluster.update(func(c *clusterState) error {
		now := time.Now()
		c.reconcile(now)

		if c.Static {
			return nil
		}

		if len(c.Members) == 2 {
			return fmt.Errorf("etcd member count(%d) is insufficient to maintain quorum if upgrade commences", len(c.Members))
		}

		for _, m := range c.Members {
			if !c.started(m, now) {
				return fmt.Errorf("etcd member %016x is not healthy; all members must be healthy to perform an upgrade: context deadline exceeded", m.ID)
			}
		}

		return nil
	})
}

func (s *serveMachine) Version(_ context.Context, _ *emptypb.Empty) (*machine.VersionResponse, error) {
	if s.mode.inMaintenance() {
		return nil, serveNotInMaintenance
	}

	return &machine.VersionResponse{Messages: []*machine.Version{{
		Version:  &machine.VersionInfo{Tag: s.node.currentVersion(), Os: "linux", Arch: "amd64"},
		Platform: &machine.PlatformInfo{Name: "metal", Mode: "metal"},
		Features: &machine.FeaturesInfo{Rbac: true},
	}}}, nil
}
