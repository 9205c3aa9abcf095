package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/siderolabs/talos/pkg/machinery/api/common"
	"github.com/siderolabs/talos/pkg/machinery/api/machine"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
)

// serveMetalMode is the runtime mode the fake validates configs for (a metal/ISO install).
type serveMetalMode struct{}

func (serveMetalMode) String() string        { return "metal" }
func (serveMetalMode) RequiresInstall() bool { return true }
func (serveMetalMode) InContainer() bool     { return false }

// serveMachine answers MachineService calls the way machined (or the maintenance service) does, for
// the methods our client uses. Everything else is Talos's generated Unimplemented.
type serveMachine struct {
	machine.UnimplementedMachineServiceServer

	mode              *serveMode
	node              *serveNode
	faults            *serveFaults
	configureOnApply  bool
	bootstrapNotReady int
	kubeconfig        []byte
	// snapshot is what EtcdSnapshot streams.
	snapshot []byte

	mu             sync.Mutex
	bootstrapCalls int
}

// configuresOnApply: the node leaves maintenance mode on a valid apply (--configure-on-apply, or after a reset).
func (s *serveMachine) configuresOnApply() bool {
	return s.configureOnApply || s.mode.resetOnce()
}

var serveNotInMaintenance = status.Error(codes.Unimplemented, "API is not implemented in maintenance mode")

func (s *serveMachine) ApplyConfiguration(_ context.Context, in *machine.ApplyConfigurationRequest) (*machine.ApplyConfigurationResponse, error) {
	maintenance := s.mode.inMaintenance()
	if maintenance {
		switch in.Mode { //nolint:exhaustive
		case machine.ApplyConfigurationRequest_TRY, machine.ApplyConfigurationRequest_REBOOT, machine.ApplyConfigurationRequest_AUTO:
		default:
			return nil, status.Errorf(codes.Unimplemented, "apply configuration --mode='%s' is not supported in maintenance mode",
				strings.ReplaceAll(strings.ToLower(in.Mode.String()), "_", "-"))
		}
	}

	cfg, err := configloader.NewFromBytes(in.GetData())
	if err != nil {
		if maintenance {
			return nil, fmt.Errorf("failed to parse config: %w", err)
		}

		return nil, status.Error(codes.InvalidArgument, err.Error())
	}

	warnings, err := cfg.Validate(serveMetalMode{})
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "configuration validation failed: %s", err)
	}

	reply := &machine.ApplyConfiguration{Warnings: warnings, Mode: in.Mode}

	if maintenance && s.configuresOnApply() {
		if err := s.mode.configure(cfg); err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "configuration validation failed: %s", err)
		}

		if err := s.node.configured(cfg.Machine().Type().IsControlPlane()); err != nil {
			return nil, err
		}
	}

	if !maintenance && in.Mode == machine.ApplyConfigurationRequest_AUTO {
		reply.Mode = machine.ApplyConfigurationRequest_NO_REBOOT
		reply.ModeDetails = "Applied configuration without a reboot"
	}

	return &machine.ApplyConfigurationResponse{Messages: []*machine.ApplyConfiguration{reply}}, nil
}

// Kubeconfig streams a tar.gz holding one file named "kubeconfig", closing gzip but not the tar
// writer, as machined does.
func (s *serveMachine) Kubeconfig(_ *emptypb.Empty, stream grpc.ServerStreamingServer[common.Data]) error {
	if s.mode.inMaintenance() {
		return serveNotInMaintenance
	}

	if s.kubeconfig == nil {
		return status.Error(codes.NotFound, "no --kubeconfig given to the fake apid")
	}

	var archive bytes.Buffer

	gz := gzip.NewWriter(&archive)
	tw := tar.NewWriter(gz)

	if err := tw.WriteHeader(&tar.Header{Name: "kubeconfig", Mode: 0o600, Size: int64(len(s.kubeconfig)), ModTime: time.Now()}); err != nil {
		return err
	}

	if _, err := tw.Write(s.kubeconfig); err != nil {
		return err
	}

	if err := tw.Flush(); err != nil {
		return err
	}

	if err := gz.Close(); err != nil {
		return err
	}

	const chunk = 1024
	for data := archive.Bytes(); len(data) > 0; {
		n := min(chunk, len(data))
		if err := stream.Send(&common.Data{Bytes: data[:n]}); err != nil {
			return err
		}

		data = data[n:]
	}

	return nil
}
