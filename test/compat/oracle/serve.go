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

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	cosi "github.com/cosi-project/runtime/api/v1alpha1"

	"github.com/siderolabs/talos/pkg/machinery/api/machine"
)

func init() {
	register("serve", "serve --ca-crt F --ca-key F --listen ADDR --record FILE [--maintenance] [--bootstrap-not-ready N] "+
		"[--etcd-members a,b] [--kubeconfig F] [--configure-on-apply [--trustd-dir D]]   a fake apid serving Talos's MachineService and COSI reads", runServe)
}

// serveOptions are the flags of `serve`.
type serveOptions struct {
	day2              day2Options
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

	day2, err := opts.day2.start(opts.maintenance, opts.etcdMembers)
	if err != nil {
		return err
	}

	day2.node.beforeHandshake(mode)

	authz := &serveAuthorizer{mode: mode, recorder: recorder, node: day2.node, faults: day2.faults}
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
		node:              day2.node,
		faults:            day2.faults,
		configureOnApply:  opts.configureOnApply,
		bootstrapNotReady: opts.bootstrapNotReady,
		kubeconfig:        kubeconfig,
		snapshot:          day2.snapshot,
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

	opts.day2.register(flags) // hostname, role, cluster state, reboots, snapshot, faults (day2_flags_serve.go)
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

	if err := flags.Parse(args); err != nil {
		return nil, err
	}

	if flags.NArg() != 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(flags.Args(), " "))
	}

	if err := opts.day2.check(opts.listen, members != ""); err != nil {
		return nil, err
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
