package main

// The YAML library Talos 1.13 marshals secrets.yaml with.

import (
	"bytes"

	"go.yaml.in/yaml/v4"
)

func marshalYAML(v any) ([]byte, error) { return yaml.Marshal(v) }

func decodeYAMLStrict(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)

	return dec.Decode(v)
}
