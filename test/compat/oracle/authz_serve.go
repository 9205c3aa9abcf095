package main

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/siderolabs/talos/pkg/machinery/role"
)

// serveRules are machined's authorization rules for the methods the fake serves; any other method
// needs os:admin (machined's fallback).
var serveRules = map[string]role.Set{
	"/machine.MachineService/ApplyConfiguration":   role.MakeSet(role.Admin),
	"/machine.MachineService/Bootstrap":            role.MakeSet(role.Admin),
	"/machine.MachineService/EtcdMemberList":       role.MakeSet(role.Admin, role.Operator, role.Reader, role.EtcdBackup),
	"/machine.MachineService/EtcdStatus":           role.MakeSet(role.Admin, role.Operator, role.Reader, role.EtcdBackup),
	"/machine.MachineService/EtcdSnapshot":         role.MakeSet(role.Admin, role.Operator, role.EtcdBackup),
	"/machine.MachineService/EtcdLeaveCluster":     role.MakeSet(role.Admin),
	"/machine.MachineService/EtcdRecover":          role.MakeSet(role.Admin),
	"/machine.MachineService/EtcdRemoveMemberByID": role.MakeSet(role.Admin),
	"/machine.MachineService/Reset":                role.MakeSet(role.Admin),
	"/machine.MachineService/Kubeconfig":           role.MakeSet(role.Admin),
	"/machine.MachineService/Upgrade":              role.MakeSet(role.Admin),
	"/machine.MachineService/Version":              role.MakeSet(role.Admin, role.Operator, role.Reader),
	"/cosi.resource.State/Get":                     role.MakeSet(role.Admin, role.Operator, role.Reader),
	"/cosi.resource.State/List":                    role.MakeSet(role.Admin, role.Operator, role.Reader),
}

// serveAuthorizer gives each call its roles (from the client certificate's O, or os:reader for every
// maintenance-mode caller), refuses what the roles do not allow, and records the call.
type serveAuthorizer struct {
	mode     *serveMode
	recorder *serveRecorder
	node     *serveNode
	faults   *serveFaults
}

func (a *serveAuthorizer) roles(ctx context.Context, maintenance bool) role.Set {
	if maintenance {
		return role.MakeSet(role.Reader)
	}

	p, ok := peer.FromContext(ctx)
	if !ok {
		return role.Zero
	}

	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.VerifiedChains) == 0 || len(info.State.VerifiedChains[0]) == 0 {
		return role.Zero
	}

	roles, _ := role.Parse(info.State.VerifiedChains[0][0].Subject.Organization)

	return roles
}

func (a *serveAuthorizer) allowed(method string, roles role.Set, maintenance bool) bool {
	if maintenance {
		// The maintenance service lets every caller in; its handlers decide what they implement.
		return true
	}

	rule, ok := serveRules[method]
	if !ok {
		rule = role.MakeSet(role.Admin)
	}

	return roles.IncludesAny(rule)
}

func (a *serveAuthorizer) record(ctx context.Context, maintenance bool, method string, roles role.Set, req any, err error) {
	md, _ := metadata.FromIncomingContext(ctx)
	routing := map[string][]string{}

	for _, key := range []string{"node", "nodes"} {
		if values := md.Get(key); len(values) > 0 {
			routing[key] = values
		}
	}

	mode := "configured"
	if maintenance {
		mode = "maintenance"
	}

	st := status.Convert(err)
	a.recorder.write(serveCall{
		Method:   method,
		Mode:     mode,
		Roles:    roles.Strings(),
		Metadata: routing,
		Request:  serveRequestJSON(req),
		Code:     st.Code().String(),
		Message:  st.Message(),
	})
}

func (a *serveAuthorizer) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := a.node.availability(); err != nil {
		a.record(ctx, a.mode.inMaintenance(), info.FullMethod, role.Zero, req, err)

		return nil, err
	}

	maintenance := a.mode.inMaintenance() // the mode the call came in under (an apply may leave maintenance mode)
	roles := a.roles(ctx, maintenance)

	if !a.allowed(info.FullMethod, roles, maintenance) {
		err := status.Error(codes.PermissionDenied, "not authorized")
		a.record(ctx, maintenance, info.FullMethod, roles, req, err)

		return nil, err
	}

	if err := a.faults.before(ctx, info.FullMethod); err != nil {
		a.record(ctx, maintenance, info.FullMethod, roles, req, err)

		return nil, err
	}

	resp, err := handler(ctx, req)
	a.record(ctx, maintenance, info.FullMethod, roles, req, err)

	return resp, err
}

func (a *serveAuthorizer) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	ctx := ss.Context()
	if err := a.node.availability(); err != nil {
		a.record(ctx, a.mode.inMaintenance(), info.FullMethod, role.Zero, nil, err)

		return err
	}

	maintenance := a.mode.inMaintenance()
	roles := a.roles(ctx, maintenance)
	recording := &serveRecordingStream{ServerStream: ss}

	if !a.allowed(info.FullMethod, roles, maintenance) {
		err := status.Error(codes.PermissionDenied, "not authorized")
		a.record(ctx, maintenance, info.FullMethod, roles, nil, err)

		return err
	}

	if err := a.faults.before(ctx, info.FullMethod); err != nil {
		a.record(ctx, maintenance, info.FullMethod, roles, nil, err)

		return err
	}

	err := handler(srv, recording)
	a.record(ctx, maintenance, info.FullMethod, roles, recording.request, err)

	return err
}

// serveRecordingStream keeps the (single) request message of a server-streaming call.
type serveRecordingStream struct {
	grpc.ServerStream
	request any
}

func (s *serveRecordingStream) RecvMsg(m any) error {
	err := s.ServerStream.RecvMsg(m)
	if err == nil && s.request == nil {
		s.request = m
	}

	return err
}
