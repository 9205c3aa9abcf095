package main

import (
	"errors"
	"flag"
	"fmt"
	"time"
)

// day2Options are the flags of `serve` for day-2 operations: the node's identity, the shared etcd state,
// reboots, the snapshot and fault injection (README.md lists them).
type day2Options struct {
	hostname     string
	role         string
	clusterState string
	talosVersion string
	rebootDelay  time.Duration
	learnerFor   time.Duration
	etcdSnapshot string
	fail         []string
	hang         []string
	faults       string
}

func (o *day2Options) register(flags *flag.FlagSet) {
	flags.StringVar(&o.hostname, "hostname", "", "the node's name (its etcd member name, its key in --cluster-state); default: the listen host")
	flags.StringVar(&o.role, "role", roleControlPlane, "controlplane or worker, for a node started configured (an applied config sets it otherwise)")
	flags.StringVar(&o.clusterState, "cluster-state", "",
		"folder holding the cluster-wide etcd state shared by the fake nodes (cluster.json, flock-guarded); default: this node alone")
	flags.StringVar(&o.talosVersion, "talos-version", machineryVersion(), "the Talos version Version reports until an upgrade")
	flags.DurationVar(&o.rebootDelay, "reboot-delay", 0, "how long the node is unavailable after Upgrade or Reset")
	flags.DurationVar(&o.learnerFor, "etcd-learner-for", 0, "how long this node's etcd member stays a learner after joining")
	flags.StringVar(&o.etcdSnapshot, "etcd-snapshot", "", "file whose bytes EtcdSnapshot streams; default: a generated db with etcd's integrity hash")
	flags.Func("fail", "fail calls: Method[:after=N][:times=N][:step=call|boot|down][:code=C][:message=TEXT] (repeatable)",
		func(v string) error { o.fail = append(o.fail, v); return nil })
	flags.Func("hang", "hang calls until the client's deadline: Method[:after=N][:times=N] (repeatable)",
		func(v string) error { o.hang = append(o.hang, v); return nil })
	flags.StringVar(&o.faults, "faults", "", `control file re-read on every call: {"fail": [SPEC...], "hang": [SPEC...]}`)
}

func (o *day2Options) check(listen string, staticMembers bool) error {
	if staticMembers && o.clusterState != "" {
		return errors.New("--etcd-members (a static member list) and --cluster-state (members that join and leave) exclude each other")
	}

	if o.role != roleControlPlane && o.role != roleWorker {
		return fmt.Errorf("--role %q: controlplane or worker", o.role)
	}

	if _, err := parseFaultSpecs(o.fail, o.hang); err != nil {
		return err
	}

	if o.hostname == "" {
		o.hostname = listenHost(listen)
	}

	return nil
}

// day2Parts are what the day-2 flags build: the node, its faults and the snapshot it serves.
type day2Parts struct {
	node     *serveNode
	faults   *serveFaults
	snapshot []byte
}

func (o *day2Options) start(maintenance bool, staticMembers []string) (*day2Parts, error) {
	node, err := newServeNode(o, maintenance, staticMembers)
	if err != nil {
		return nil, err
	}

	faults, err := newServeFaults(o.fail, o.hang, o.faults)
	if err != nil {
		return nil, err
	}

	snapshot, err := loadSnapshot(o.etcdSnapshot)
	if err != nil {
		return nil, err
	}

	return &day2Parts{node: node, faults: faults, snapshot: snapshot}, nil
}
