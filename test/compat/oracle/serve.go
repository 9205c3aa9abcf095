package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	cosi "github.com/cosi-project/runtime/api/v1alpha1"

	"github.com/siderolabs/talos/pkg/machinery/api/machine"
)

func init() {
	register("serve", "serve --ca-crt F --ca-key F --listen ADDR --record FILE [--maintenance] [--bootstrap-not-ready N] "+
		"[--etcd-members a,b] [--kubeconfig F] [--configure-on-apply [--trustd-dir D]] [--hostname H] [--role R] "+
		"[--cluster-state DIR] [--talos-version V] [--reboot-delay D] [--etcd-learner-for D] [--etcd-snapshot F] "+
		"[--fail SPEC]... [--hang SPEC]... [--faults FILE]   a fake apid serving Talos's MachineService and COSI reads", runServe)
}

// serveOptions are the flags of `serve`.
type serveOptions struct {
	caCrt             string
	caKey             string
	listen            string
	record            string
	maintenance       bool
	bootstrapNotReady int
	etcdMembers       []string
	kubeconfig        string
	configureOnApply  bool
	trustdDir         string
	hostname          string
	role              string
	clusterState      string
	talosVersion      string
	rebootDelay       time.Duration
	learnerFor        time.Duration
	etcdSnapshot      string
	fail              []string
	hang              []string
	faults            string
}

// runServe starts a fake apid: Talos's generated MachineService behind the TLS and authorization
// rules apid enforces, recording every call. It prints one JSON line with its address on stdout and
// serves until SIGTERM/SIGINT, or until stdin closes when stdin is a pipe (so it dies with its parent).
func runServe(args []string) error {
	opts, err := parseServeOptions(args)
	if err != nil {
		return err
	}

	tlsConfig, serverCert, err := serveTLSConfig(opts)
	if err != nil {
		return err
	}

	recorder, err := newServeRecorder(opts.record)
	if err != nil {
		return err
	}
	defer recorder.close() //nolint:errcheck

	mode := &serveMode{maintenance: opts.maintenance, tls: withH2(tlsConfig), hosts: serveListenHosts(opts.listen), trustdDir: opts.trustdDir}
	if opts.maintenance {
		mode.maintenanceTLS = mode.tls
	}

	node, err := newServeNode(opts)
	if err != nil {
		return err
	}

	mode.beforeHandshake = func() { node.availability() } //nolint:errcheck

	faults, err := newServeFaults(opts.fail, opts.hang, opts.faults)
	if err != nil {
		return err
	}

	snapshot, err := loadSnapshot(opts.etcdSnapshot)
	if err != nil {
		return err
	}

	authz := &serveAuthorizer{mode: mode, recorder: recorder, node: node, faults: faults}
	server := grpc.NewServer(
		grpc.Creds(credentials.NewTLS(mode.tlsConfig())),
		grpc.UnaryInterceptor(authz.unary),
		grpc.StreamInterceptor(authz.stream),
	)

	kubeconfig := []byte(nil)
	if opts.kubeconfig != "" {
		if kubeconfig, err = os.ReadFile(opts.kubeconfig); err != nil {
			return fmt.Errorf("--kubeconfig: %w", err)
		}
	}

	machine.RegisterMachineServiceServer(server, &serveMachine{
		mode:              mode,
		node:              node,
		faults:            faults,
		configureOnApply:  opts.configureOnApply,
		bootstrapNotReady: opts.bootstrapNotReady,
		kubeconfig:        kubeconfig,
		snapshot:          snapshot,
	})

	state, err := newServeState(mode)
	if err != nil {
		return err
	}

	cosi.RegisterStateServer(server, state)

	listener, err := net.Listen("tcp", opts.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", opts.listen, err)
	}

	fingerprint := sha256.Sum256(serverCert.Raw)
	announce, _ := json.Marshal(map[string]string{ //nolint:errchkjson
		"address":         listener.Addr().String(),
		"certFingerprint": hex.EncodeToString(fingerprint[:]),
	})
	fmt.Println(string(announce))

	go stopOnSignalOrStdinEOF(server)

	return server.Serve(listener)
}

func parseServeOptions(args []string) (*serveOptions, error) {
	flags := flag.NewFlagSet("serve", flag.ContinueOnError)
	opts := &serveOptions{}
	members := ""

	flags.StringVar(&opts.caCrt, "ca-crt", "", "PEM certificate of the Talos API (os) CA")
	flags.StringVar(&opts.caKey, "ca-key", "", "PEM private key of the Talos API CA (ED25519 PRIVATE KEY accepted)")
	flags.StringVar(&opts.listen, "listen", "127.0.0.1:0", "address to listen on")
	flags.StringVar(&opts.record, "record", "", "file to append one JSON line per call to")
	flags.BoolVar(&opts.maintenance, "maintenance", false, "behave like a node in maintenance mode")
	flags.IntVar(&opts.bootstrapNotReady, "bootstrap-not-ready", 0,
		"answer the first N Bootstrap calls with FailedPrecondition \"bootstrap is not available yet\"")
	flags.StringVar(&members, "etcd-members", "", "comma-separated etcd member hostnames EtcdMemberList reports")
	flags.StringVar(&opts.kubeconfig, "kubeconfig", "", "file whose content Kubeconfig streams as tar.gz")
	flags.BoolVar(&opts.configureOnApply, "configure-on-apply", false,
		"with --maintenance: after the first valid apply, serve mutual TLS with the applied config's machine.ca (as an installed node)")
	flags.StringVar(&opts.trustdDir, "trustd-dir", "",
		"with --configure-on-apply: a control plane writes its Talos API CA here (0600); a worker takes its server certificate from it, as from trustd")

	flags.StringVar(&opts.hostname, "hostname", "", "the node's name (its etcd member name, its key in --cluster-state); default: the listen host")
	flags.StringVar(&opts.role, "role", roleControlPlane, "controlplane or worker, for a node started configured (an applied config sets it otherwise)")
	flags.StringVar(&opts.clusterState, "cluster-state", "",
		"folder holding the cluster-wide etcd state shared by the fake nodes (cluster.json, flock-guarded); default: this node alone")
	flags.StringVar(&opts.talosVersion, "talos-version", machineryVersion(), "the Talos version Version reports until an upgrade")
	flags.DurationVar(&opts.rebootDelay, "reboot-delay", 0, "how long the node is unavailable after Upgrade or Reset")
	flags.DurationVar(&opts.learnerFor, "etcd-learner-for", 0, "how long this node's etcd member stays a learner after joining")
	flags.StringVar(&opts.etcdSnapshot, "etcd-snapshot", "", "file whose bytes EtcdSnapshot streams; default: a generated db with etcd's integrity hash")
	flags.Func("fail", "fail calls: Method[:after=N][:times=N][:step=call|boot|down][:code=C][:message=TEXT] (repeatable)",
		func(v string) error { opts.fail = append(opts.fail, v); return nil })
	flags.Func("hang", "hang calls until the client's deadline: Method[:after=N][:times=N] (repeatable)",
		func(v string) error { opts.hang = append(opts.hang, v); return nil })
	flags.StringVar(&opts.faults, "faults", "", `control file re-read on every call: {"fail": [SPEC...], "hang": [SPEC...]}`)

	if err := flags.Parse(args); err != nil {
		return nil, err
	}

	if flags.NArg() != 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(flags.Args(), " "))
	}

	if opts.record == "" {
		return nil, errors.New("--record FILE is required")
	}

	if !opts.maintenance && (opts.caCrt == "" || opts.caKey == "") {
		return nil, errors.New("--ca-crt and --ca-key are required unless --maintenance")
	}

	if opts.configureOnApply && !opts.maintenance {
		return nil, errors.New("--configure-on-apply needs --maintenance")
	}

	if members != "" {
		opts.etcdMembers = strings.Split(members, ",")
	}

	if members != "" && opts.clusterState != "" {
		return nil, errors.New("--etcd-members (a static member list) and --cluster-state (members that join and leave) exclude each other")
	}

	if opts.role != roleControlPlane && opts.role != roleWorker {
		return nil, fmt.Errorf("--role %q: controlplane or worker", opts.role)
	}

	if opts.hostname == "" {
		opts.hostname = listenHost(opts.listen)
	}

	return opts, nil
}

func stopOnSignalOrStdinEOF(server *grpc.Server) {
	done := make(chan struct{}, 2)

	go func() {
		signals := make(chan os.Signal, 1)
		signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
		<-signals
		done <- struct{}{}
	}()

	if info, err := os.Stdin.Stat(); err == nil && info.Mode()&os.ModeNamedPipe != 0 {
		go func() {
			buf := make([]byte, 512)
			for {
				if _, err := os.Stdin.Read(buf); err != nil {
					done <- struct{}{}

					return
				}
			}
		}()
	}

	<-done
	server.Stop()
}
