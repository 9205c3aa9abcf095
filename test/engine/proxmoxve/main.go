// pulumi-resource-proxmoxve, the stand-in: the real provider is not obtainable here (see
// /work/shared/reference/pulumi-engine.md), so engine runs use this one, registered as plugin `proxmoxve` at
// the version @muhlba91/pulumi-proxmoxve declares. It
//   - checks resource and provider inputs against the types that npm package declares (declared-types.json,
//     made from its .d.ts by declared-types.ts at build time) plus the allowed values in enums.go;
//   - simulates the VM and downloaded-file lifecycle (create/read/update/delete, ids and outputs like the real
//     provider's), keeping nothing but what the engine keeps in its state;
//   - contacts nothing: every operation that would reach Proxmox (create, read, update, delete) first refuses an
//     endpoint that is not loopback, so a test stack can never be pointed at a real host by mistake. Preview
//     (check, diff) never uses the endpoint, like the real provider.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

//go:embed declared-types.json
var declaredTypesJSON []byte

const (
	providerType = "pulumi:providers:proxmoxve"
	vmType       = "proxmoxve:index/vmLegacy:VmLegacy"
	fileType     = "proxmoxve:download/file:File"
)

// Inputs whose change the real provider cannot apply in place.
var replaceOnChange = map[string][]string{
	vmType:   {"nodeName", "vmId"},
	fileType: {"nodeName", "datastoreId", "contentType", "url", "fileName", "checksum", "checksumAlgorithm", "decompressionAlgorithm"},
}

type standIn struct {
	pulumirpc.UnimplementedResourceProviderServer
	types    declaredTypes
	mu       sync.Mutex
	endpoint string
}

func main() {
	var types declaredTypes
	if err := json.Unmarshal(declaredTypesJSON, &types); err != nil {
		cmdutil.ExitError(fmt.Sprintf("declared-types.json: %v", err))
	}
	err := provider.Main("proxmoxve", func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return &standIn{types: types}, nil
	})
	if err != nil {
		cmdutil.ExitError(err.Error())
	}
}

var marshalOptions = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	return plugin.UnmarshalProperties(s, marshalOptions)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, marshalOptions)
}

func (p *standIn) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.types.Version}, nil
}

func (p *standIn) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":"proxmoxve","version":%q}`, p.types.Version)}, nil
}

func (p *standIn) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return p.check(providerType, req.GetNews())
}

func (p *standIn) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return p.check(resource.URN(req.GetUrn()).Type().String(), req.GetNews())
}

func (p *standIn) check(token string, news *structpb.Struct) (*pulumirpc.CheckResponse, error) {
	inputs, err := unmarshal(news)
	if err != nil {
		return nil, err
	}
	shape, ok := p.types.Resources[token]
	if !ok {
		return nil, fmt.Errorf("proxmoxve stand-in: %s is not simulated (only %s)", token, strings.Join(p.types.tokens(), ", "))
	}
	var failures []*pulumirpc.CheckFailure
	for _, problem := range checkInputs(token, shape, inputs) {
		failures = append(failures, &pulumirpc.CheckFailure{Property: problem.property, Reason: problem.reason})
	}
	return &pulumirpc.CheckResponse{Inputs: news, Failures: failures}, nil
}

func (p *standIn) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return diff(req, nil)
}

func (p *standIn) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	endpoint := req.GetVariables()["proxmoxve:config:endpoint"]
	if args := req.GetArgs(); args != nil {
		if value, ok := args.GetFields()["endpoint"]; ok {
			endpoint = value.GetStringValue()
		}
	}
	if endpoint == "" {
		endpoint = os.Getenv("PROXMOX_VE_ENDPOINT")
	}
	p.mu.Lock()
	p.endpoint = endpoint
	p.mu.Unlock()
	// No preview support: the engine plans creates and updates from the inputs, without calling the provider.
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, AcceptResources: true}, nil
}

// loopbackOnly refuses any endpoint that is not on this machine's loopback interface.
func (p *standIn) loopbackOnly(operation string) error {
	p.mu.Lock()
	endpoint := p.endpoint
	p.mu.Unlock()
	parsed, err := url.Parse(endpoint)
	if endpoint == "" || err != nil || parsed.Hostname() == "" {
		return fmt.Errorf("proxmoxve stand-in: %s needs the provider's endpoint (e.g. https://127.0.0.1:8006/), got %q", operation, endpoint)
	}
	host := parsed.Hostname()
	if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || host == "localhost" {
		return nil
	}
	return fmt.Errorf("proxmoxve stand-in: refusing to %s against endpoint %q: only loopback endpoints "+
		"(127.0.0.0/8, ::1, localhost) are allowed; set talos-homelab:proxmox.endpoint to e.g. https://127.0.0.1:8006/",
		operation, endpoint)
}

func (p *standIn) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return diff(req, replaceOnChange[resource.URN(req.GetUrn()).Type().String()])
}

// diff compares the new inputs with the old ones; a change to a replaceOnChange key replaces the resource.
func diff(req *pulumirpc.DiffRequest, replaceKeys []string) (*pulumirpc.DiffResponse, error) {
	oldStruct := req.GetOldInputs()
	if oldStruct == nil {
		oldStruct = req.GetOlds()
	}
	olds, err := unmarshal(oldStruct)
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	var changed, replaces []string
	for _, key := range unionKeys(olds, news) {
		oldValue, newValue := olds[key], news[key]
		if newValue.ContainsUnknowns() || !oldValue.DeepEquals(newValue) {
			changed = append(changed, string(key))
			for _, replaceKey := range replaceKeys {
				if string(key) == replaceKey {
					replaces = append(replaces, replaceKey)
				}
			}
		}
	}
	if len(changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	return &pulumirpc.DiffResponse{
		Changes:             pulumirpc.DiffResponse_DIFF_SOME,
		Diffs:               changed,
		Replaces:            replaces,
		DeleteBeforeReplace: len(replaces) > 0,
	}, nil
}

func unionKeys(a, b resource.PropertyMap) []resource.PropertyKey {
	seen := map[resource.PropertyKey]bool{}
	var keys []resource.PropertyKey
	for _, m := range []resource.PropertyMap{a, b} {
		for key := range m {
			if !seen[key] {
				seen[key] = true
				keys = append(keys, key)
			}
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

func (p *standIn) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	token := resource.URN(req.GetUrn()).Type().String()
	if err := p.loopbackOnly("create " + token); err != nil {
		return nil, err
	}
	inputs, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	id, outputs, err := simulate(token, inputs)
	if err != nil {
		return nil, err
	}
	properties, err := marshal(outputs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: properties}, nil
}

// simulate returns the id and outputs the real provider would: the inputs plus what Proxmox computes.
func simulate(token string, inputs resource.PropertyMap) (string, resource.PropertyMap, error) {
	outputs := inputs.Copy()
	switch token {
	case vmType:
		vmID, ok := inputs["vmId"]
		if !ok || !vmID.IsNumber() {
			// Proxmox hands out the next free id; the program always sets one.
			vmID = resource.NewNumberProperty(100)
			outputs["vmId"] = vmID
		}
		return strconv.Itoa(int(vmID.NumberValue())), outputs, nil
	case fileType:
		fileName := inputs["fileName"]
		if !fileName.IsString() || fileName.StringValue() == "" {
			parsed, err := url.Parse(inputs["url"].StringValue())
			if err != nil {
				return "", nil, fmt.Errorf("proxmoxve stand-in: url: %w", err)
			}
			fileName = resource.NewStringProperty(path.Base(parsed.Path))
			outputs["fileName"] = fileName
		}
		outputs["size"] = resource.NewNumberProperty(104857600)
		id := fmt.Sprintf("%s:%s/%s", inputs["datastoreId"].StringValue(), inputs["contentType"].StringValue(), fileName.StringValue())
		return id, outputs, nil
	}
	return "", nil, fmt.Errorf("proxmoxve stand-in: %s is not simulated", token)
}

func (p *standIn) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	if err := p.loopbackOnly("read " + resource.URN(req.GetUrn()).Type().String()); err != nil {
		return nil, err
	}
	// Nothing changes behind the engine's back in the simulation: what the state holds is what "exists".
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

func (p *standIn) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	token := resource.URN(req.GetUrn()).Type().String()
	if err := p.loopbackOnly("update " + token); err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	_, outputs, err := simulate(token, news)
	if err != nil {
		return nil, err
	}
	properties, err := marshal(outputs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: properties}, nil
}

func (p *standIn) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	if err := p.loopbackOnly("delete " + resource.URN(req.GetUrn()).Type().String()); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

func (p *standIn) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}
