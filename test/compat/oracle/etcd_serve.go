package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/siderolabs/talos/pkg/machinery/api/machine"
)

// etcd's "no leader" (rpctypes.ErrNoLeader), what a call made WithRequireLeader gets without quorum: as the
// call's own status, or wrapped by machined (then Unknown).
var (
	errEtcdNoLeader        = status.Error(codes.Unavailable, "etcdserver: no leader")
	errEtcdNoLeaderWrapped = errors.New("etcdserver: no leader")
)

// errEtcdNotRunning is what a call to the local etcd gets on a control plane that is not (or no longer) a member.
var errEtcdNotRunning = errors.New("etcd is not running on this node: it is not an etcd member")

func (s *serveMachine) EtcdMemberList(_ context.Context, in *machine.EtcdMemberListRequest) (*machine.EtcdMemberListResponse, error) {
	if err := s.configuredControlPlane("member list"); err != nil {
		return nil, err
	}

	var members []*machine.EtcdMember

	err := s.node.cluster.update(func(c *clusterState) error {
		now := time.Now()
		c.reconcile(now)

		if !c.Static && in.GetQueryLocal() && c.member(s.node.hostname) == nil {
			return errEtcdNotRunning
		}

		if !c.Static && c.Leader == 0 {
			return errEtcdNoLeader
		}

		for _, m := range c.Members {
			members = append(members, &machine.EtcdMember{
				Id: m.ID, Hostname: m.Hostname, PeerUrls: m.PeerURLs, ClientUrls: m.ClientURLs, IsLearner: m.IsLearner,
			})
		}

		return nil
	})
	if err != nil {
		return nil, err
	}

	legacy := make([]string, 0, len(members))
	for _, m := range members {
		legacy = append(legacy, m.Hostname)
	}

	return &machine.EtcdMemberListResponse{Messages: []*machine.EtcdMembers{{LegacyMembers: legacy, Members: members}}}, nil
}

func (s *serveMachine) EtcdStatus(_ context.Context, _ *emptypb.Empty) (*machine.EtcdStatusResponse, error) {
	if err := s.configuredControlPlane("etcd status"); err != nil {
		return nil, err
	}

	var reply *machine.EtcdMemberStatus

	err := s.node.cluster.update(func(c *clusterState) error {
		c.reconcile(time.Now())

		self := c.member(s.node.hostname)
		if self == nil {
			return fmt.Errorf("failed to query etcd status: %w", errEtcdNotRunning)
		}

		reply = &machine.EtcdMemberStatus{
			MemberId:         self.ID,
			ProtocolVersion:  "3.6.0",
			StorageVersion:   "3.6.0",
			DbSize:           int64(len(s.snapshot)),
			DbSizeInUse:      int64(len(s.snapshot)),
			Leader:           c.Leader,
			RaftIndex:        c.RaftIndex,
			RaftTerm:         c.RaftTerm,
			RaftAppliedIndex: c.RaftIndex,
			IsLearner:        self.IsLearner,
		}

		if c.Leader == 0 {
			reply.Errors = []string{"etcdserver: no leader"}
		}

		return nil
	})
	if err != nil {
		return nil, err
	}

	return &machine.EtcdStatusResponse{Messages: []*machine.EtcdStatus{{MemberStatus: reply}}}, nil
}

// EtcdLeaveCluster removes this node's member (etcd's strict reconfiguration check applies); a member already
// removed is success, as in Talos.
func (s *serveMachine) EtcdLeaveCluster(_ context.Context, _ *machine.EtcdLeaveClusterRequest) (*machine.EtcdLeaveClusterResponse, error) {
	if err := s.configuredControlPlane("etcd leave"); err != nil {
		return nil, err
	}

	if err := s.leaveEtcd(); err != nil {
		return nil, fmt.Errorf("failed to leave cluster: %w", err)
	}

	return &machine.EtcdLeaveClusterResponse{Messages: []*machine.EtcdLeaveCluster{{}}}, nil
}

func (s *serveMachine) leaveEtcd() error {
	return s.node.cluster.update(func(c *clusterState) error {
		now := time.Now()
		c.reconcile(now)

		node := s.node.entry(c)
		self := c.member(s.node.hostname)

		if self == nil {
			if !node.Configured || !c.Bootstrapped {
				return errors.New("failed to get local etcd member ID: this node never joined etcd (fake apid)")
			}

			node.LeftEtcd = true // already removed: nothing to do, as in Talos

			return nil
		}

		if c.Leader == 0 {
			return fmt.Errorf("failed to remove member %d: %w", self.ID, errEtcdNoLeaderWrapped)
		}

		if err := c.removeMember(self.ID, now); err != nil {
			return fmt.Errorf("failed to remove member %d: %w", self.ID, err)
		}

		node.LeftEtcd = true

		return nil
	})
}

func (s *serveMachine) EtcdRemoveMemberByID(_ context.Context, in *machine.EtcdRemoveMemberByIDRequest) (*machine.EtcdRemoveMemberByIDResponse, error) {
	if err := s.configuredControlPlane("etcd remove member"); err != nil {
		return nil, err
	}

	err := s.node.cluster.update(func(c *clusterState) error {
		now := time.Now()
		c.reconcile(now)

		if c.Leader == 0 {
			return fmt.Errorf("failed to remove member: failed to remove member %d: %w", in.GetMemberId(), errEtcdNoLeaderWrapped)
		}

		removed := c.memberByID(in.GetMemberId())

		if err := c.removeMember(in.GetMemberId(), now); err != nil {
			wrapped := fmt.Errorf("failed to remove member %d: %w", in.GetMemberId(), err)
			if errors.Is(err, errEtcdMemberNotFound) {
				return status.Error(codes.NotFound, wrapped.Error())
			}

			return fmt.Errorf("failed to remove member: %w", wrapped)
		}

		// the removed node's etcd stops (its data is no longer valid): it does not rejoin until reset and configured again
		if node, ok := c.Nodes[removed.Hostname]; ok {
			node.LeftEtcd = true
		}

		return nil
	})
	if err != nil {
		return nil, err
	}

	return &machine.EtcdRemoveMemberByIDResponse{Messages: []*machine.EtcdRemoveMemberByID{{}}}, nil
}

// configuredControlPlane refuses a call a maintenance-mode node or a worker does not serve, as Talos does.
func (s *serveMachine) configuredControlPlane(apiName string) error {
	if s.mode.inMaintenance() {
		return serveNotInMaintenance
	}

	return s.node.checkControlPlane(apiName)
}
