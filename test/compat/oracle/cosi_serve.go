package main

import (
	"context"

	cosi "github.com/cosi-project/runtime/api/v1alpha1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/siderolabs/talos/pkg/machinery/resources/runtime"
)

// serveState is a read-only cosi.resource.State holding the resources our client reads (machine status,
// security state, volume statuses), with their specs encoded from Talos's own spec types (YAML, as
// machined's COSI server sends yaml_spec); the machine stage follows the node's mode.
type serveState struct {
	cosi.UnimplementedStateServer

	mode        *serveMode
	maintenance []*cosi.Resource
	running     []*cosi.Resource
}

// newServeState serves the machine status and security state in both modes, and the volume statuses (with the
// volumes named in unencrypted reported without encryption) once the node runs.
func newServeState(mode *serveMode, unencrypted []string) (*serveState, error) {
	maintenance, err := serveResources(runtime.MachineStageMaintenance)
	if err != nil {
		return nil, err
	}

	running, err := serveResources(runtime.MachineStageRunning)
	if err != nil {
		return nil, err
	}

	volumes, err := volumeResources(unencrypted)
	if err != nil {
		return nil, err
	}

	running = append(running, volumes...)

	return &serveState{mode: mode, maintenance: maintenance, running: running}, nil
}

func (s *serveState) resources() []*cosi.Resource {
	if s.mode.inMaintenance() {
		return s.maintenance
	}

	return s.running
}

func serveResources(stage runtime.MachineStage) ([]*cosi.Resource, error) {
	machineStatus := runtime.MachineStatusSpec{Stage: stage, Status: runtime.MachineStatusStatus{Ready: true}}
	securityState := runtime.SecurityStateSpec{SecureBoot: true, BootedWithUKI: true}

	var resources []*cosi.Resource

	for _, r := range []struct {
		typ, id string
		spec    any
	}{
		{string(runtime.MachineStatusType), string(runtime.MachineStatusID), machineStatus},
		{string(runtime.SecurityStateType), string(runtime.SecurityStateID), securityState},
	} {
		yamlSpec, err := marshalYAML(r.spec)
		if err != nil {
			return nil, err
		}

		resources = append(resources, &cosi.Resource{
			Metadata: &cosi.Metadata{Namespace: string(runtime.NamespaceName), Type: r.typ, Id: r.id, Version: "1", Phase: "running"},
			Spec:     &cosi.Spec{YamlSpec: string(yamlSpec)},
		})
	}

	return resources, nil
}

func (s *serveState) Get(_ context.Context, in *cosi.GetRequest) (*cosi.GetResponse, error) {
	for _, r := range s.resources() {
		if r.Metadata.Namespace == in.Namespace && r.Metadata.Type == in.Type && r.Metadata.Id == in.Id {
			return &cosi.GetResponse{Resource: r}, nil
		}
	}

	return nil, status.Errorf(codes.NotFound, "resource %s(%s/%s@undefined) doesn't exist", in.Type, in.Namespace, in.Id)
}

func (s *serveState) List(in *cosi.ListRequest, stream grpc.ServerStreamingServer[cosi.ListResponse]) error {
	for _, r := range s.resources() {
		if r.Metadata.Namespace == in.Namespace && r.Metadata.Type == in.Type {
			if err := stream.Send(&cosi.ListResponse{Resource: r}); err != nil {
				return err
			}
		}
	}

	return nil
}
