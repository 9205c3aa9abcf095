// kube-decode strictly decodes Kubernetes manifests into the real Go API types of the projects that serve them.
//
//	kube-decode FILE...
//
// Each YAML document of each file is looked up by apiVersion and kind in the registry of this build (types.go)
// and decoded with unknown, duplicate and wrong-case fields refused (sigs.k8s.io/yaml's strict YAML-to-JSON, then
// sigs.k8s.io/json's strict unmarshal, as the API server's strict field validation does). One line per document:
//
//	ok FILE#N apiVersion kind name
//	error FILE#N apiVersion kind: problem
//
// A kind this build has no type for is an error, so a new manifest cannot go unchecked. Exit status 1 on any error.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
}

func decodeDocument(doc []byte) (typeMeta, error) {
	var meta typeMeta
	data, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return meta, err
	}
	if err := kjson.UnmarshalCaseSensitivePreserveInts(data, &meta); err != nil {
		return meta, err
	}
	newObject, ok := registry[meta.APIVersion+"/"+meta.Kind]
	if !ok {
		return meta, fmt.Errorf("no Go type registered for %s %s in this build", meta.APIVersion, meta.Kind)
	}
	obj := newObject()
	strict, err := kjson.UnmarshalStrict(data, obj)
	if err != nil {
		return meta, err
	}
	if len(strict) > 0 {
		return meta, errors.Join(strict...)
	}
	return meta, nil
}

func decodeFile(path string, out io.Writer) (bool, error) {
	content, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(content)))
	allOK := true
	for index := 0; ; index++ {
		doc, err := reader.Read()
		if err == io.EOF {
			return allOK, nil
		}
		if err != nil {
			return false, err
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		meta, err := decodeDocument(doc)
		if err != nil {
			allOK = false
			fmt.Fprintf(out, "error %s#%d %s %s: %v\n", path, index, meta.APIVersion, meta.Kind, err)
			continue
		}
		fmt.Fprintf(out, "ok %s#%d %s %s %s\n", path, index, meta.APIVersion, meta.Kind, meta.Metadata.Name)
	}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kube-decode FILE...")
		os.Exit(2)
	}
	failed := false
	for _, path := range os.Args[1:] {
		ok, err := decodeFile(path, os.Stdout)
		if err != nil {
			fmt.Fprintf(os.Stdout, "error %s: %v\n", path, err)
		}
		failed = failed || !ok || err != nil
	}
	if failed {
		os.Exit(1)
	}
}
