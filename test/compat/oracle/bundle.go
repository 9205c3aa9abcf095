package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
)

func init() {
	register("bundle", "bundle [--strict] FILE -- load a secrets.yaml with Talos's loader and validate it", runBundle)
}

// runBundle loads the bundle as Talos does (LoadBundle, then Bundle.Validate). With --strict it also refuses
// keys Talos would ignore and requires the file to be byte-identical to Talos's own encoding of it.
func runBundle(args []string) error {
	flags := flag.NewFlagSet("bundle", flag.ContinueOnError)
	strict := flags.Bool("strict", false, "also refuse unknown keys and any byte difference from Talos's encoding")

	if err := flags.Parse(args); err != nil {
		return err
	}

	if flags.NArg() != 1 {
		return fmt.Errorf("usage: bundle [--strict] FILE")
	}

	file := flags.Arg(0)

	bundle, err := secrets.LoadBundle(file)
	if err != nil {
		fmt.Printf("%s: error: load: %v\n", file, err)

		return errFindings
	}

	problems := flattenErrors(validateBundle(bundle))

	if *strict {
		problems = append(problems, strictBundleProblems(file, bundle)...)
	}

	for _, problem := range problems {
		fmt.Printf("%s: error: %v\n", file, problem)
	}

	if len(problems) > 0 {
		return errFindings
	}

	fmt.Printf("%s: valid secrets bundle (Talos machinery %s)\n", file, machineryVersion())

	return nil
}

func strictBundleProblems(file string, bundle *secrets.Bundle) []error {
	data, err := os.ReadFile(file)
	if err != nil {
		return []error{err}
	}

	if err = decodeYAMLStrict(data, &secrets.Bundle{}); err != nil {
		return []error{fmt.Errorf("strict decode: %w", err)}
	}

	encoded, err := marshalYAML(bundle)
	if err != nil {
		return []error{fmt.Errorf("re-encode: %w", err)}
	}

	if !bytes.Equal(encoded, data) {
		return []error{fmt.Errorf("not byte-identical to Talos's encoding of the same bundle; Talos writes:\n%s", encoded)}
	}

	return nil
}

// validateBundle calls Bundle.Validate, which takes the version contract since machinery 1.14 (nil is the
// current contract, as `talosctl gen config --with-secrets` passes when no --talos-version is given).
func validateBundle(bundle *secrets.Bundle) error {
	switch b := any(bundle).(type) {
	case interface{ Validate() error }:
		return b.Validate()
	case interface {
		Validate(contract *config.VersionContract) error
	}:
		return b.Validate(nil)
	default:
		return fmt.Errorf("secrets.Bundle has no Validate method this oracle knows")
	}
}
