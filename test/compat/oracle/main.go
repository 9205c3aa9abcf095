// Command talos-oracle answers questions about Talos formats with Talos's own Go code
// (github.com/siderolabs/talos/pkg/machinery at the version pinned by the contract's go.mod).
//
// Each subcommand lives in its own file and registers itself from init().
package main

import (
	"errors"
	"fmt"
	"os"
	"sort"
)

type command struct {
	usage string
	run   func(args []string) error
}

var commands = map[string]command{}

// register adds a subcommand; usage is the one-line synopsis shown by --help.
func register(name, usage string, run func(args []string) error) {
	if _, exists := commands[name]; exists {
		panic("talos-oracle: command registered twice: " + name)
	}

	commands[name] = command{usage: usage, run: run}
}

// errFindings reports that a command printed its findings (a diff, validation errors) and must exit 1.
var errFindings = errors.New("findings reported")

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		printUsage()

		return
	}

	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "talos-oracle: unknown command %q\n\n", os.Args[1])
		printUsage()
		os.Exit(2)
	}

	if err := cmd.run(os.Args[2:]); err != nil {
		if errors.Is(err, errFindings) {
			os.Exit(1)
		}

		fmt.Fprintf(os.Stderr, "talos-oracle %s: %v\n", os.Args[1], err)
		os.Exit(2)
	}
}

func printUsage() {
	fmt.Fprintf(os.Stderr, "usage: talos-oracle <command> [args]\n\ncommands (Talos machinery %s):\n", machineryVersion())

	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}

	sort.Strings(names)

	for _, name := range names {
		fmt.Fprintf(os.Stderr, "  %s\n", commands[name].usage)
	}
}
