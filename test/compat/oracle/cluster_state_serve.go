package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// clusterMember is one etcd member of the fake cluster. IDs are JSON strings (64-bit values do not fit a JS number).
type clusterMember struct {
	ID         uint64    `json:"id,string"`
	Hostname   string    `json:"hostname"`
	PeerURLs   []string  `json:"peerUrls"`
	ClientURLs []string  `json:"clientUrls"`
	IsLearner  bool      `json:"isLearner"`
	PromoteAt  time.Time `json:"promoteAt,omitzero"`
}

// clusterNode is what every fake node process publishes about itself, so the others can see it (etcd health,
// quorum, joining).
type clusterNode struct {
	Role       string    `json:"role"`
	Configured bool      `json:"configured"`
	DownUntil  time.Time `json:"downUntil,omitzero"`
	// PoweredOff: reset without reboot, or an injected fault keeping the node down.
	PoweredOff bool   `json:"poweredOff"`
	LeftEtcd   bool   `json:"leftEtcd"`
	Version    string `json:"version"`
	// Upgrades: every installer image an Upgrade call was given; Resets: every Reset.
	Upgrades []string      `json:"upgrades"`
	Resets   []resetRecord `json:"resets"`
	// LearnerFor is how long a member of this node stays a learner after joining.
	LearnerFor time.Duration `json:"learnerFor"`
}

func (n *clusterNode) up(now time.Time) bool {
	return n != nil && !n.PoweredOff && !now.Before(n.DownUntil)
}

// clusterState is the cluster-wide etcd state shared by the fake node processes (one JSON file).
type clusterState struct {
	// Static: the members came from --etcd-members and never change (the fakes' original behaviour).
	Static       bool                    `json:"static"`
	Bootstrapped bool                    `json:"bootstrapped"`
	Members      []*clusterMember        `json:"members"`
	Leader       uint64                  `json:"leader,string"`
	RaftTerm     uint64                  `json:"raftTerm"`
	RaftIndex    uint64                  `json:"raftIndex"`
	Nodes        map[string]*clusterNode `json:"nodes"`
	// RecoveredFromSHA256: the hex SHA-256 of the snapshot the last Bootstrap with recover_etcd restored.
	RecoveredFromSHA256 string `json:"recoveredFromSha256,omitempty"`
	RecoveredBy         string `json:"recoveredBy,omitempty"`
	// MaxControlPlanesDown is the most control planes ever down (rebooting or off) at once, so a test can check a
	// roll-out never took two down together.
	MaxControlPlanesDown int `json:"maxControlPlanesDown"`
}

// noteControlPlanesDown updates MaxControlPlanesDown with the control planes down now.
func (s *clusterState) noteControlPlanesDown(now time.Time) {
	down := 0

	for _, node := range s.Nodes {
		if node.Role == roleControlPlane && !node.up(now) {
			down++
		}
	}

	s.MaxControlPlanesDown = max(s.MaxControlPlanesDown, down)
}

func (s *clusterState) member(hostname string) *clusterMember {
	for _, m := range s.Members {
		if m.Hostname == hostname {
			return m
		}
	}

	return nil
}

// clusterStore reads and changes the shared state under a lock: a file with flock(2) (--cluster-state DIR), or memory.
type clusterStore interface {
	update(change func(*clusterState) error) error
}

type memoryClusterStore struct {
	mu    sync.Mutex
	state *clusterState
}

func (m *memoryClusterStore) update(change func(*clusterState) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()

	return change(m.state)
}

// fileClusterStore keeps the state in DIR/cluster.json, guarded by flock on DIR/cluster.lock; a change is
// written to a temp file and renamed into place, so a reader never sees half a file.
type fileClusterStore struct {
	dir string
	mu  sync.Mutex
}

func (f *fileClusterStore) update(change func(*clusterState) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()

	lock, err := os.OpenFile(filepath.Join(f.dir, "cluster.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("--cluster-state: %w", err)
	}
	defer lock.Close() //nolint:errcheck

	if err = syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("--cluster-state: lock: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck

	state, err := f.read()
	if err != nil {
		return err
	}

	if err = change(state); err != nil {
		return err
	}

	return f.write(state)
}

func (f *fileClusterStore) read() (*clusterState, error) {
	data, err := os.ReadFile(filepath.Join(f.dir, "cluster.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return &clusterState{Nodes: map[string]*clusterNode{}}, nil
	}

	if err != nil {
		return nil, fmt.Errorf("--cluster-state: %w", err)
	}

	state := &clusterState{}
	if err = json.Unmarshal(data, state); err != nil {
		return nil, fmt.Errorf("--cluster-state: %s/cluster.json: %w", f.dir, err)
	}

	if state.Nodes == nil {
		state.Nodes = map[string]*clusterNode{}
	}

	return state, nil
}

func (f *fileClusterStore) write(state *clusterState) error {
	data, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		return err
	}

	tmp, err := os.CreateTemp(f.dir, ".cluster-*.json")
	if err != nil {
		return err
	}

	if _, err = tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()           //nolint:errcheck
		os.Remove(tmp.Name()) //nolint:errcheck

		return err
	}

	if err = tmp.Close(); err != nil {
		return err
	}

	return os.Rename(tmp.Name(), filepath.Join(f.dir, "cluster.json"))
}

// newClusterStore is the shared file store for --cluster-state DIR, else a private in-memory one (a
// one-node cluster, or the static members of --etcd-members).
func newClusterStore(dir string, staticMembers []string) (clusterStore, error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("--cluster-state: %w", err)
		}

		return &fileClusterStore{dir: dir}, nil
	}

	state := &clusterState{Nodes: map[string]*clusterNode{}}

	if len(staticMembers) > 0 {
		state.Static = true

		for i, name := range staticMembers {
			state.Members = append(state.Members, &clusterMember{
				ID:         uint64(i + 1),
				Hostname:   name,
				PeerURLs:   []string{"https://" + name + ":2380"},
				ClientURLs: []string{"https://" + name + ":2379"},
			})
		}

		state.Leader = 1
	}

	return &memoryClusterStore{state: state}, nil
}
