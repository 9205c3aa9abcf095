package main

import (
	"flag"
	"fmt"
	"os"
)

func init() {
	register("gen-config", "gen-config SPEC.json -o FILE -- write Talos's generator + patches output for SPEC (golden files)", runGenConfig)
}

func runGenConfig(args []string) error {
	flags := flag.NewFlagSet("gen-config", flag.ContinueOnError)
	output := flags.String("o", "", "output file")

	if err := flags.Parse(reorderFlags(args)); err != nil {
		return err
	}

	if flags.NArg() != 1 || *output == "" {
		return fmt.Errorf("usage: gen-config SPEC.json -o FILE")
	}

	spec, err := loadSpec(flags.Arg(0))
	if err != nil {
		return err
	}

	cfg, err := generateConfig(spec)
	if err != nil {
		return err
	}

	data, err := encodePlain(cfg)
	if err != nil {
		return err
	}

	return os.WriteFile(*output, data, 0o600)
}
