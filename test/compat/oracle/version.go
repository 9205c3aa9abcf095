package main

import (
	"fmt"
	"runtime/debug"
)

const machineryModule = "github.com/siderolabs/talos/pkg/machinery"

func init() {
	register("version", "version -- print the Talos machinery version this oracle is built with",
		func([]string) error {
			fmt.Println(machineryVersion())

			return nil
		})
}

// machineryVersion is the machinery module version linked into this binary, e.g. "v1.11.5".
func machineryVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}

	for _, dep := range info.Deps {
		if dep.Path == machineryModule {
			return dep.Version
		}
	}

	return "unknown"
}
