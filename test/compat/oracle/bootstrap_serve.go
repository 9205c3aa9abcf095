package main

import (
	"context"
	"encoding/hex"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/siderolabs/talos/pkg/machinery/api/machine"
)

var errEtcdDataNotEmpty = status.Error(codes.AlreadyExists, "etcd data directory is not empty")

// Bootstrap starts etcd as a new cluster with this node as its first member; with recover_etcd, from the
// snapshot EtcdRecover uploaded. The first --bootstrap-not-ready calls are refused as a booting node does.
func (s *serveMachine) Bootstrap(_ context.Context, in *machine.BootstrapRequest) (*machine.BootstrapResponse, error) {
	if s.mode.inMaintenance() {
		return nil, serveNotInMaintenance
	}

	s.mu.Lock()
	s.bootstrapCalls++
	notReady := s.bootstrapCalls <= s.bootstrapNotReady
	s.mu.Unlock()

	if notReady {
		return nil, status.Error(codes.FailedPrecondition, "bootstrap is not available yet")
	}

	if err := s.node.checkControlPlane("bootstrap"); err != nil {
		return nil, err
	}

	if err := s.bootstrapEtcd(in); err != nil {
		return nil, err
	}

	return &machine.BootstrapResponse{Messages: []*machine.Bootstrap{{}}}, nil
}

func (s *serveMachine) bootstrapEtcd(in *machine.BootstrapRequest) error {
	return s.node.cluster.update(func(c *clusterState) error {
		now := time.Now()
		c.reconcile(now)

		if c.Static {
			return s.bootstrapStatic()
		}

		if c.member(s.node.hostname) != nil || (c.Bootstrapped && len(c.Members) > 0) {
			return errEtcdDataNotEmpty
		}

		node := s.node.entry(c)

		if in.GetRecoverEtcd() {
			sum, err := s.restoreSnapshot(in.GetRecoverSkipHashCheck())
			if err != nil {
				return err
			}

			c.RecoveredFromSHA256 = hex.EncodeToString(sum[:])
			c.RecoveredBy = s.node.hostname
		}

		// a new cluster (or one restored from a snapshot) has this node as its only member
		c.Members = nil
		c.Bootstrapped = true
		node.Configured = true
		node.LeftEtcd = false
		self := c.addMember(s.node.hostname, now)
		c.Leader = self.ID
		c.RaftTerm++
		c.reconcile(now)

		return nil
	})
}

// bootstrapStatic is the original fake's rule with --etcd-members: the first Bootstrap succeeds, later ones find
// etcd's data directory.
func (s *serveMachine) bootstrapStatic() error {
	s.node.mu.Lock()
	defer s.node.mu.Unlock()

	if s.node.bootstrapped {
		return errEtcdDataNotEmpty
	}

	s.node.bootstrapped = true

	return nil
}
