package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configpatcher"
	"github.com/siderolabs/talos/pkg/machinery/config/encoder"
	"github.com/siderolabs/talos/pkg/machinery/config/generate"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
)

// configSpec is the input the TypeScript side writes: base generator inputs plus the patch set.
type configSpec struct {
	SecretsFile       string   `json:"secretsFile"`
	ClusterName       string   `json:"clusterName"`
	Endpoint          string   `json:"endpoint"`
	KubernetesVersion string   `json:"kubernetesVersion"`
	TalosVersion      string   `json:"talosVersion"`
	Role              string   `json:"role"`
	Patches           []string `json:"patches"`
	RenderedFile      string   `json:"renderedFile"`
}

func loadSpec(path string) (*configSpec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}

	var spec configSpec

	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()

	if err = dec.Decode(&spec); err != nil {
		return nil, fmt.Errorf("spec %s: %w", path, err)
	}

	for field, value := range map[string]string{
		"secretsFile": spec.SecretsFile, "clusterName": spec.ClusterName, "endpoint": spec.Endpoint,
		"kubernetesVersion": spec.KubernetesVersion, "talosVersion": spec.TalosVersion, "role": spec.Role,
	} {
		if value == "" {
			return nil, fmt.Errorf("spec %s: %q is required", path, field)
		}
	}

	return &spec, nil
}

func (spec *configSpec) machineType() (machine.Type, error) {
	switch spec.Role {
	case "controlplane":
		return machine.TypeControlPlane, nil
	case "worker":
		return machine.TypeWorker, nil
	default:
		return machine.TypeUnknown, fmt.Errorf("spec role %q: use controlplane or worker", spec.Role)
	}
}

// contract parses talosVersion and refuses a contract newer than the linked machinery,
// which would silently generate with the wrong Talos code.
func (spec *configSpec) contract() (*config.VersionContract, error) {
	contract, err := config.ParseContractFromVersion(spec.TalosVersion)
	if err != nil {
		return nil, fmt.Errorf("spec talosVersion %q: %w", spec.TalosVersion, err)
	}

	linked, err := config.ParseContractFromVersion(machineryVersion())
	if err == nil && contract.Greater(linked) {
		return nil, fmt.Errorf("spec talosVersion %s is newer than this oracle's machinery %s: use the oracle built for %s",
			spec.TalosVersion, machineryVersion(), contract)
	}

	return contract, nil
}

// generateConfig is Talos's generator for the spec's base inputs (no other options), then the spec's
// patches applied in order with Talos's configpatcher.
func generateConfig(spec *configSpec) (config.Provider, error) {
	bundle, err := secrets.LoadBundle(spec.SecretsFile)
	if err != nil {
		return nil, fmt.Errorf("load secrets bundle %s: %w", spec.SecretsFile, err)
	}

	contract, err := spec.contract()
	if err != nil {
		return nil, err
	}

	machineType, err := spec.machineType()
	if err != nil {
		return nil, err
	}

	input, err := generate.NewInput(spec.ClusterName, spec.Endpoint, strings.TrimPrefix(spec.KubernetesVersion, "v"),
		generate.WithSecretsBundle(bundle),
		generate.WithVersionContract(contract),
	)
	if err != nil {
		return nil, fmt.Errorf("generate input: %w", err)
	}

	base, err := input.Config(machineType)
	if err != nil {
		return nil, fmt.Errorf("generate %s config: %w", spec.Role, err)
	}

	patches, err := configpatcher.LoadPatches(spec.Patches)
	if err != nil {
		return nil, fmt.Errorf("load patches: %w", err)
	}

	patched, err := configpatcher.Apply(configpatcher.WithConfig(base), patches)
	if err != nil {
		return nil, fmt.Errorf("apply patches: %w", err)
	}

	return patched.Config()
}

// encodePlain is the comment-free encoding Talos uses when it compares or patches configs.
func encodePlain(cfg config.Provider) ([]byte, error) {
	return cfg.EncodeBytes(encoder.WithComments(encoder.CommentsDisabled))
}
