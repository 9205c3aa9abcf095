package main

import (
	"errors"
	"fmt"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
)

func init() {
	register("compare", "compare SPEC.json -- diff our rendered config against Talos's generator + our patches (exit 1 on any difference)", runCompare)
}

func runCompare(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: compare SPEC.json")
	}

	spec, err := loadSpec(args[0])
	if err != nil {
		return err
	}

	if spec.RenderedFile == "" {
		return fmt.Errorf("spec %s: \"renderedFile\" is required", args[0])
	}

	expected, err := generateConfig(spec)
	if err != nil {
		return err
	}

	expectedYAML, err := encodePlain(expected)
	if err != nil {
		return fmt.Errorf("encode generated config: %w", err)
	}

	rendered, err := configloader.NewFromFile(spec.RenderedFile)
	if err != nil {
		return fmt.Errorf("load rendered config %s: %w", spec.RenderedFile, err)
	}

	renderedYAML, err := encodePlain(rendered)
	if err != nil {
		return fmt.Errorf("encode rendered config: %w", err)
	}

	diff, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        difflib.SplitLines(string(expectedYAML)),
		B:        difflib.SplitLines(string(renderedYAML)),
		FromFile: "talos " + machineryVersion() + " (" + spec.Role + ")",
		ToFile:   spec.RenderedFile,
		Context:  3,
	})
	if err != nil {
		return err
	}

	if diff != "" {
		fmt.Print(diff)

		return errFindings
	}

	fmt.Printf("%s: identical to Talos %s %s config + %d patches\n", spec.RenderedFile, machineryVersion(), spec.Role, len(spec.Patches))

	return nil
}
