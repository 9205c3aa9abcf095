package main

import (
	"net"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const (
	roleControlPlane = "controlplane"
	roleWorker       = "worker"
)

// serveNode is one fake node's own state (its version, reboots, uploaded snapshot), and its handle on the
// cluster-wide state it shares with the other node processes.
type serveNode struct {
	hostname    string
	rebootDelay time.Duration
	learnerFor  time.Duration
	cluster     clusterStore

	mu      sync.Mutex
	role    string
	version string
	// pendingVersion is the version the node boots into once its reboot window ends.
	pendingVersion string
	downUntil      time.Time
	poweredOff     bool
	// afterReboot runs once the reboot window has ended (e.g. enter maintenance mode after a reset).
	afterReboot func()
	// recoverySnapshot is what EtcdRecover uploaded (nil: nothing).
	recoverySnapshot []byte
	// bootstrapped: without shared state, whether this node ran Bootstrap (the original fake's rule).
	bootstrapped bool
}

var errNodeRebooting = status.Error(codes.Unavailable, "connection refused: the node is rebooting (fake apid)")

var errNodePoweredOff = status.Error(codes.Unavailable, "connection refused: the node is powered off (fake apid)")

// availability is nil when the node answers, or the Unavailable error a client sees while it reboots or is off.
// When the reboot window has just ended it finishes the reboot (new version, maintenance mode after a reset).
func (n *serveNode) availability() error {
	n.mu.Lock()

	if n.poweredOff {
		n.mu.Unlock()

		return errNodePoweredOff
	}

	if time.Now().Before(n.downUntil) {
		n.mu.Unlock()

		return errNodeRebooting
	}

	finish := n.afterReboot
	n.afterReboot = nil

	if n.pendingVersion != "" {
		n.version = n.pendingVersion
		n.pendingVersion = ""
	}

	n.mu.Unlock()

	if finish != nil {
		finish()
	}

	return nil
}

// reboot takes the node down for its reboot window, then runs after (may be nil); nextVersion "" keeps the version.
func (n *serveNode) reboot(nextVersion string, powerOff bool, after func()) error {
	n.mu.Lock()
	n.downUntil = time.Now().Add(n.rebootDelay)
	n.pendingVersion = nextVersion
	n.poweredOff = powerOff
	n.afterReboot = after
	downUntil := n.downUntil
	n.mu.Unlock()

	return n.cluster.update(func(s *clusterState) error {
		node := n.entry(s)
		node.DownUntil = downUntil
		node.PoweredOff = powerOff

		if nextVersion != "" {
			node.Version = nextVersion
		}

		now := time.Now()
		s.noteControlPlanesDown(now)
		s.reconcile(now)

		return nil
	})
}

// publish changes this node's entry in the cluster state.
func (n *serveNode) publish(change func(*clusterNode)) error {
	return n.cluster.update(func(s *clusterState) error {
		node := n.entry(s)
		change(node)
		s.reconcile(time.Now())

		return nil
	})
}

// entry is this node's entry in the cluster state, created on first use.
func (n *serveNode) entry(s *clusterState) *clusterNode {
	node, ok := s.Nodes[n.hostname]
	if !ok {
		n.mu.Lock()
		node = &clusterNode{Role: n.role, Version: n.version, LearnerFor: n.learnerFor}
		n.mu.Unlock()
		s.Nodes[n.hostname] = node
	}

	return node
}

func (n *serveNode) currentRole() string {
	n.mu.Lock()
	defer n.mu.Unlock()

	return n.role
}

func (n *serveNode) currentVersion() string {
	n.mu.Lock()
	defer n.mu.Unlock()

	return n.version
}

// checkControlPlane is machined's CheckControlplane: Unimplemented on a worker.
func (n *serveNode) checkControlPlane(apiName string) error {
	if n.currentRole() != roleControlPlane {
		return status.Errorf(codes.Unimplemented, "%s is only available on control plane nodes", apiName)
	}

	return nil
}

// configured is the node leaving maintenance mode with an applied config: a control plane joins etcd once
// the cluster is bootstrapped (reconcile), a worker never does.
func (n *serveNode) configured(controlPlane bool) error {
	role := roleWorker
	if controlPlane {
		role = roleControlPlane
	}

	n.mu.Lock()
	n.role = role
	n.mu.Unlock()

	return n.publish(func(c *clusterNode) {
		c.Role = role
		c.Configured = true
		c.LeftEtcd = false
		c.PoweredOff = false
	})
}

// newServeNode is the node of `serve`'s flags, registered in the cluster state (configured unless --maintenance).
func newServeNode(opts *day2Options, maintenance bool, staticMembers []string) (*serveNode, error) {
	store, err := newClusterStore(opts.clusterState, staticMembers)
	if err != nil {
		return nil, err
	}

	node := &serveNode{
		hostname:    opts.hostname,
		rebootDelay: opts.rebootDelay,
		learnerFor:  opts.learnerFor,
		cluster:     store,
		role:        opts.role,
		version:     opts.talosVersion,
	}

	err = store.update(func(s *clusterState) error {
		// a node (re)starting replaces what an earlier process published under its name
		s.Nodes[node.hostname] = &clusterNode{Role: node.role, Version: node.version, LearnerFor: node.learnerFor, Configured: !maintenance}
		s.reconcile(time.Now())

		return nil
	})

	return node, err
}

func listenHost(listen string) string {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}

	return host
}

// beforeHandshake lets a node whose reboot window has ended finish booting before a TLS handshake picks its
// certificate (a reset node must present its maintenance certificate to the first client).
func (n *serveNode) beforeHandshake(mode *serveMode) {
	mode.beforeHandshake = func() { n.availability() } //nolint:errcheck
}
