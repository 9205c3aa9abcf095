package main

import (
	"fmt"
	"strings"
)

// flattenErrors expands the multi-errors Talos returns (hashicorp/go-multierror, errors.Join, and
// "prefix: %w" wrappers around them) into their leaves, so each problem is printed on its own line.
func flattenErrors(err error) []error {
	if err == nil {
		return nil
	}

	var children []error

	switch e := err.(type) {
	case interface{ WrappedErrors() []error }:
		children = e.WrappedErrors()
	case interface{ Unwrap() []error }:
		children = e.Unwrap()
	case interface{ Unwrap() error }:
		return flattenWrapped(err, e.Unwrap())
	default:
		return []error{err}
	}

	var leaves []error
	for _, child := range children {
		leaves = append(leaves, flattenErrors(child)...)
	}

	return leaves
}

// flattenWrapped keeps the wrapper's prefix on each leaf of the error it wraps.
func flattenWrapped(err, inner error) []error {
	if inner == nil {
		return []error{err}
	}

	prefix, ok := strings.CutSuffix(err.Error(), inner.Error())
	leaves := flattenErrors(inner)

	if !ok || (len(leaves) == 1 && leaves[0] == inner) {
		return []error{err}
	}

	prefixed := make([]error, len(leaves))
	for i, leaf := range leaves {
		prefixed[i] = fmt.Errorf("%s%w", prefix, leaf)
	}

	return prefixed
}
