package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"github.com/siderolabs/talos/pkg/machinery/config/validation"
)

func init() {
	register("validate", "validate --mode metal [--strict] FILE... -- load machine configs strictly and run Talos validation", runValidate)
}

// runValidate does what `talosctl validate` does, for many files: strict decoding, then Validate with the local option.
func runValidate(args []string) error {
	flags := flag.NewFlagSet("validate", flag.ContinueOnError)
	modeName := flags.String("mode", "", "runtime mode: metal, cloud or container")
	strict := flags.Bool("strict", false, "treat validation warnings as errors")

	if err := flags.Parse(args); err != nil {
		return err
	}

	mode, err := parseMode(*modeName)
	if err != nil {
		return err
	}

	if flags.NArg() == 0 {
		return errors.New("no machine config file given")
	}

	opts := []validation.Option{validation.WithLocal()}
	if *strict {
		opts = append(opts, validation.WithStrict())
	}

	failed := false

	for _, file := range flags.Args() {
		if !validateFile(file, mode, opts) {
			failed = true
		}
	}

	if failed {
		return errFindings
	}

	return nil
}

func validateFile(file string, mode validation.RuntimeMode, opts []validation.Option) bool {
	cfg, err := configloader.NewFromFile(file)
	if err != nil {
		fmt.Printf("%s: error: load: %v\n", file, err)

		return false
	}

	warnings, err := cfg.Validate(mode, opts...)
	for _, warning := range warnings {
		fmt.Printf("%s: warning: %s\n", file, warning)
	}

	errs := flattenErrors(err)
	for _, e := range errs {
		fmt.Printf("%s: error: %v\n", file, e)
	}

	if len(errs) > 0 {
		return false
	}

	fmt.Printf("%s: valid for %s mode (%d warnings)\n", file, mode, len(warnings))

	return true
}
