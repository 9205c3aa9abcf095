package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
)

func init() {
	register("gen-secrets", "gen-secrets [--talos-version vX.Y.Z] -o FILE -- write a secrets.yaml as `talosctl gen secrets` does", runGenSecrets)
}

func runGenSecrets(args []string) error {
	flags := flag.NewFlagSet("gen-secrets", flag.ContinueOnError)
	talosVersion := flags.String("talos-version", "", "Talos version whose contract to generate for (default: current)")
	output := flags.String("o", "", "output file")

	if err := flags.Parse(reorderFlags(args)); err != nil {
		return err
	}

	if *output == "" || flags.NArg() != 0 {
		return fmt.Errorf("usage: gen-secrets [--talos-version vX.Y.Z] -o FILE")
	}

	var contract *config.VersionContract

	if *talosVersion != "" {
		var err error

		if contract, err = config.ParseContractFromVersion(*talosVersion); err != nil {
			return fmt.Errorf("invalid --talos-version: %w", err)
		}
	}

	bundle, err := secrets.NewBundle(secrets.NewFixedClock(time.Now()), contract)
	if err != nil {
		return fmt.Errorf("generate secrets bundle: %w", err)
	}

	data, err := marshalYAML(bundle)
	if err != nil {
		return err
	}

	return os.WriteFile(*output, data, 0o600)
}
