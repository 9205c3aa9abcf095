package main

import (
	"errors"
	"hash/fnv"
	"slices"
	"strconv"
	"time"
)

// etcd's own errors (go.etcd.io/etcd/api/v3/v3rpc/rpctypes), as machined wraps them.
var (
	errEtcdMemberNotFound         = errors.New("etcdserver: member not found")
	errEtcdNotEnoughStartedMember = errors.New("etcdserver: re-configuration failed due to not enough started members")
)

// reconcile moves the fake etcd toward what the nodes publish: configured control planes that are up join
// (as learners for their node's LearnerFor), learners past their time are promoted, and the leader is a
// started voting member while a quorum of members is started. Static member lists never change.
func (s *clusterState) reconcile(now time.Time) {
	if s.Static {
		return
	}

	if s.Bootstrapped {
		for _, hostname := range sortedKeys(s.Nodes) {
			node := s.Nodes[hostname]
			if node.Role == roleControlPlane && node.Configured && !node.LeftEtcd && node.up(now) && s.member(hostname) == nil {
				s.addMember(hostname, now.Add(node.LearnerFor))
			}
		}
	}

	for _, m := range s.Members {
		if m.IsLearner && !now.Before(m.PromoteAt) && s.Nodes[m.Hostname].up(now) {
			m.IsLearner = false
			s.RaftIndex++
		}
	}

	s.electLeader(now)
}

func (s *clusterState) addMember(hostname string, promoteAt time.Time) *clusterMember {
	s.RaftIndex++

	member := &clusterMember{
		ID:         memberID(hostname, s.RaftIndex),
		Hostname:   hostname,
		PeerURLs:   []string{"https://" + hostname + ":2380"},
		ClientURLs: []string{"https://" + hostname + ":2379"},
		IsLearner:  time.Now().Before(promoteAt),
		PromoteAt:  promoteAt,
	}
	s.Members = append(s.Members, member)

	return member
}

// memberID is a deterministic non-zero 64-bit ID: the same hostname joining again gets a new one, as in etcd.
func memberID(hostname string, index uint64) uint64 {
	h := fnv.New64a()
	h.Write([]byte(hostname + "#" + strconv.FormatUint(index, 10))) //nolint:errcheck

	return h.Sum64() | 1
}

// started is whether the member's node is up (a member whose node this state does not know is started).
func (s *clusterState) started(m *clusterMember, now time.Time) bool {
	node, known := s.Nodes[m.Hostname]

	return !known || node.up(now)
}

func (s *clusterState) startedVoters(now time.Time) int {
	count := 0

	for _, m := range s.Members {
		if !m.IsLearner && s.started(m, now) {
			count++
		}
	}

	return count
}

func (s *clusterState) voters() int {
	count := 0

	for _, m := range s.Members {
		if !m.IsLearner {
			count++
		}
	}

	return count
}

func (s *clusterState) hasQuorum(now time.Time) bool {
	return s.voters() > 0 && s.startedVoters(now) > s.voters()/2
}

func (s *clusterState) electLeader(now time.Time) {
	current := s.memberByID(s.Leader)
	if current != nil && !current.IsLearner && s.started(current, now) && s.hasQuorum(now) {
		return
	}

	leader := uint64(0)

	if s.hasQuorum(now) {
		for _, m := range s.Members {
			if !m.IsLearner && s.started(m, now) {
				leader = m.ID

				break
			}
		}
	}

	if leader != s.Leader {
		s.Leader = leader
		s.RaftTerm++
	}
}

func (s *clusterState) memberByID(id uint64) *clusterMember {
	for _, m := range s.Members {
		if m.ID == id {
			return m
		}
	}

	return nil
}

// removeMember is etcd's MemberRemove with --strict-reconfig-check: refused when the voters left started
// would not be a quorum of the voters left.
func (s *clusterState) removeMember(id uint64, now time.Time) error {
	index := slices.IndexFunc(s.Members, func(m *clusterMember) bool { return m.ID == id })
	if index < 0 {
		return errEtcdMemberNotFound
	}

	removed := s.Members[index]
	votersLeft := s.voters()
	startedLeft := s.startedVoters(now)

	if !removed.IsLearner {
		votersLeft--

		if s.started(removed, now) {
			startedLeft--
		}
	}

	if votersLeft > 0 && startedLeft <= votersLeft/2 {
		return errEtcdNotEnoughStartedMember
	}

	s.Members = slices.Delete(s.Members, index, index+1)
	s.RaftIndex++
	s.electLeader(now)

	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}

	slices.Sort(keys)

	return keys
}
