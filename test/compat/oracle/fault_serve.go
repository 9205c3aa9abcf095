package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Fault steps: "call" fails or hangs the call itself; for Upgrade, "boot" acknowledges and reboots but the node
// comes back on its old version (the new one failed to boot, Talos rolled back), "down" acknowledges and the node
// never comes back; for Reset, "down" leaves the node off.
const (
	stepCall = "call"
	stepBoot = "boot"
	stepDown = "down"
)

// faultSpec is one --fail/--hang value or control-file entry: Method[:after=N][:times=N][:step=S][:code=C][:message=TEXT].
type faultSpec struct {
	key     string
	hang    bool
	method  string
	after   int
	times   int
	step    string
	code    codes.Code
	message string
}

func parseFaultSpec(text string, hang bool) (*faultSpec, error) {
	method, rest, _ := strings.Cut(text, ":")
	spec := &faultSpec{key: fmt.Sprintf("%t|%s", hang, text), hang: hang, method: method, step: stepCall, code: codes.Unknown}

	if method == "" {
		return nil, fmt.Errorf("fault %q: no method (e.g. Upgrade:times=1)", text)
	}

	spec.code, spec.message = defaultFault(method)

	for rest != "" {
		var field string

		if strings.HasPrefix(rest, "message=") {
			field, rest = rest, ""
		} else {
			field, rest, _ = strings.Cut(rest, ":")
		}

		if err := spec.set(field); err != nil {
			return nil, fmt.Errorf("fault %q: %w", text, err)
		}
	}

	return spec, nil
}

func (f *faultSpec) set(field string) error {
	key, value, ok := strings.Cut(field, "=")
	if !ok {
		return fmt.Errorf("%q is not key=value (after, times, step, code, message)", field)
	}

	var err error

	switch key {
	case "after":
		f.after, err = strconv.Atoi(value)
	case "times":
		f.times, err = strconv.Atoi(value)
	case "step":
		if value != stepCall && value != stepBoot && value != stepDown {
			return fmt.Errorf("step %q: one of call, boot (Upgrade), down (Upgrade, Reset)", value)
		}

		f.step = value
	case "code":
		code, ok := parseCode(value)
		if !ok {
			return fmt.Errorf("code %q: a gRPC code name such as Unavailable or FailedPrecondition", value)
		}

		f.code = code
	case "message":
		f.message = value
	default:
		return fmt.Errorf("unknown key %q (after, times, step, code, message)", key)
	}

	return err
}

// defaultFault is the error Talos sends when that call fails for the usual reason.
func defaultFault(method string) (codes.Code, string) {
	switch method {
	case "Upgrade":
		return codes.Unknown, "error validating etcd for upgrade: etcd member 0000000000000000 is not healthy; all members must be healthy to perform an upgrade: context deadline exceeded"
	case "EtcdStatus":
		return codes.Unknown, "failed to query etcd status: context deadline exceeded"
	case "EtcdMemberList":
		return codes.Unavailable, "etcdserver: no leader"
	case "EtcdLeaveCluster", "Reset":
		return codes.Unknown, "failed to leave cluster: etcdserver: unhealthy cluster"
	case "EtcdRemoveMemberByID":
		return codes.Unknown, "failed to remove member: etcdserver: unhealthy cluster"
	case "EtcdSnapshot":
		return codes.Unknown, "failed reading etcd snapshot: context deadline exceeded"
	case "EtcdRecover":
		return codes.FailedPrecondition, "etcd service is not ready for recovery yet"
	case "Bootstrap":
		return codes.FailedPrecondition, "bootstrap is not available yet"
	case "ApplyConfiguration":
		return codes.InvalidArgument, "configuration validation failed: injected failure"
	default:
		return codes.Unavailable, "connection refused (injected failure)"
	}
}

// serveFaults holds the flags' faults and re-reads the control file (--faults FILE) on every call, so a test can
// change them at runtime: {"fail": ["EtcdStatus"], "hang": ["Version:times=1"]}.
type serveFaults struct {
	flags   []*faultSpec
	control string

	mu    sync.Mutex
	calls map[string]int
	fired map[string]int
}

func newServeFaults(fail, hang []string, control string) (*serveFaults, error) {
	f := &serveFaults{control: control, calls: map[string]int{}, fired: map[string]int{}}

	specs, err := parseFaultSpecs(fail, hang)
	if err != nil {
		return nil, err
	}

	f.flags = specs

	return f, nil
}

func parseFaultSpecs(fail, hang []string) ([]*faultSpec, error) {
	var specs []*faultSpec

	for _, group := range []struct {
		texts []string
		hang  bool
	}{{fail, false}, {hang, true}} {
		for _, text := range group.texts {
			spec, err := parseFaultSpec(text, group.hang)
			if err != nil {
				return nil, err
			}

			specs = append(specs, spec)
		}
	}

	return specs, nil
}

func (f *serveFaults) specs() []*faultSpec {
	if f.control == "" {
		return f.flags
	}

	data, err := os.ReadFile(f.control)
	if err != nil {
		return f.flags // no control file (yet): only the flags
	}

	var file struct {
		Fail []string `json:"fail"`
		Hang []string `json:"hang"`
	}

	if err = json.Unmarshal(data, &file); err != nil {
		fmt.Fprintf(os.Stderr, "talos-oracle serve: --faults %s: %v\n", f.control, err)

		return f.flags
	}

	fromFile, err := parseFaultSpecs(file.Fail, file.Hang)
	if err != nil {
		fmt.Fprintf(os.Stderr, "talos-oracle serve: --faults %s: %v\n", f.control, err)

		return f.flags
	}

	for _, spec := range fromFile {
		spec.key = "file|" + spec.key // counted apart from a flag with the same text
	}

	return append(append([]*faultSpec{}, f.flags...), fromFile...)
}

// fire counts a call to method against every spec of that step and returns the first that fires.
func (f *serveFaults) fire(method string, step func(string) bool) *faultSpec {
	specs := f.specs()

	f.mu.Lock()
	defer f.mu.Unlock()

	var fired *faultSpec

	for _, spec := range specs {
		if spec.method != method || !step(spec.step) {
			continue
		}

		f.calls[spec.key]++

		if fired == nil && f.calls[spec.key] > spec.after && (spec.times == 0 || f.fired[spec.key] < spec.times) {
			f.fired[spec.key]++
			fired = spec
		}
	}

	return fired
}

// before applies a "call" fault to a call: the injected error, or a hang until the client gives up.
func (f *serveFaults) before(ctx context.Context, fullMethod string) error {
	method := fullMethod[strings.LastIndex(fullMethod, "/")+1:]

	spec := f.fire(method, func(step string) bool { return step == stepCall })
	if spec == nil {
		return nil
	}

	if spec.hang {
		<-ctx.Done()

		return status.FromContextError(ctx.Err()).Err()
	}

	return status.Error(spec.code, spec.message)
}

// upgradeStep is the step of an Upgrade/Reset fault that fires now ("" when none).
func (f *serveFaults) upgradeStep(method string) string {
	spec := f.fire(method, func(step string) bool { return step != stepCall })
	if spec == nil {
		return ""
	}

	return spec.step
}

// parseCode is a gRPC code by its Go name (Unavailable, FailedPrecondition) or its canonical one (FAILED_PRECONDITION).
func parseCode(name string) (codes.Code, bool) {
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		if strings.EqualFold(c.String(), name) || strings.EqualFold(c.String(), strings.ReplaceAll(name, "_", "")) {
			return c, true
		}
	}

	return codes.Unknown, false
}
