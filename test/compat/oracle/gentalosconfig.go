package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/siderolabs/talos/pkg/machinery/config/generate"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
	"github.com/siderolabs/talos/pkg/machinery/constants"
)

func init() {
	register("gen-talosconfig", "gen-talosconfig --secrets FILE --cluster NAME [--endpoints A,B] [--nodes A,B] -o FILE -- write the talosconfig Talos's generator makes", runGenTalosconfig)
}

func runGenTalosconfig(args []string) error {
	flags := flag.NewFlagSet("gen-talosconfig", flag.ContinueOnError)
	secretsFile := flags.String("secrets", "", "secrets.yaml to sign the admin certificate with")
	cluster := flags.String("cluster", "", "cluster (and context) name")
	endpoints := flags.String("endpoints", "", "comma-separated Talos API endpoints")
	nodes := flags.String("nodes", "", "comma-separated default nodes")
	output := flags.String("o", "", "output file")

	if err := flags.Parse(reorderFlags(args)); err != nil {
		return err
	}

	if *secretsFile == "" || *cluster == "" || *output == "" || flags.NArg() != 0 {
		return fmt.Errorf("usage: gen-talosconfig --secrets FILE --cluster NAME [--endpoints A,B] [--nodes A,B] -o FILE")
	}

	bundle, err := secrets.LoadBundle(*secretsFile)
	if err != nil {
		return fmt.Errorf("load secrets bundle %s: %w", *secretsFile, err)
	}

	// The Kubernetes endpoint and version do not affect the talosconfig.
	// the Kubernetes version plays no part in a talosconfig, but machinery 1.14 requires one
	input, err := generate.NewInput(*cluster, "https://talosconfig.invalid:6443", constants.DefaultKubernetesVersion,
		generate.WithSecretsBundle(bundle), generate.WithEndpointList(splitList(*endpoints)))
	if err != nil {
		return err
	}

	cfg, err := input.Talosconfig()
	if err != nil {
		return err
	}

	cfg.Contexts[*cluster].Nodes = splitList(*nodes)

	data, err := cfg.Bytes()
	if err != nil {
		return err
	}

	return os.WriteFile(*output, data, 0o600)
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}

	return strings.Split(s, ",")
}
