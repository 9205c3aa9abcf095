package main

// The YAML library Talos 1.11 marshals secrets.yaml with (the fork named in go.mod's replace).

import (
	"bytes"

	"gopkg.in/yaml.v3"
)

func marshalYAML(v any) ([]byte, error) { return yaml.Marshal(v) }

func decodeYAMLStrict(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)

	return dec.Decode(v)
}
