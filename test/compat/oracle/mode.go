package main

import (
	"fmt"

	"github.com/siderolabs/talos/pkg/machinery/config/validation"
)

// runtimeMode mirrors the modes of Talos's machined runtime (internal to Talos, so not importable).
type runtimeMode struct {
	name            string
	requiresInstall bool
	inContainer     bool
}

func (m runtimeMode) String() string        { return m.name }
func (m runtimeMode) RequiresInstall() bool { return m.requiresInstall }
func (m runtimeMode) InContainer() bool     { return m.inContainer }

var runtimeModes = map[string]runtimeMode{
	"metal":     {name: "metal", requiresInstall: true},
	"cloud":     {name: "cloud"},
	"container": {name: "container", inContainer: true},
}

func parseMode(name string) (validation.RuntimeMode, error) {
	mode, ok := runtimeModes[name]
	if !ok {
		return nil, fmt.Errorf("unknown --mode %q: use metal, cloud or container", name)
	}

	return mode, nil
}
