package main

import "strings"

// reorderFlags moves flags before positional arguments, so "cmd ARG -o FILE" parses like "cmd -o FILE ARG"
// (the standard flag package stops at the first positional argument). Every flag here takes a value.
func reorderFlags(args []string) []string {
	var flagArgs, positional []string

	for i := 0; i < len(args); i++ {
		arg := args[i]

		switch {
		case arg == "--":
			positional = append(positional, args[i+1:]...)

			return append(flagArgs, positional...)
		case strings.HasPrefix(arg, "-") && len(arg) > 1:
			flagArgs = append(flagArgs, arg)

			if !strings.Contains(arg, "=") && i+1 < len(args) {
				i++
				flagArgs = append(flagArgs, args[i])
			}
		default:
			positional = append(positional, arg)
		}
	}

	return append(flagArgs, positional...)
}
