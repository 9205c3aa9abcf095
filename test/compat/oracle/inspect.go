package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
)

func init() {
	register("inspect", "inspect FILE -- what Talos's config accessors resolve for secrets encryption and STATE/EPHEMERAL disk encryption (JSON; secrets as sha256)", runInspect)
}

type inspectedKey struct {
	Slot                    int  `json:"slot"`
	TPM                     bool `json:"tpm"`
	NodeID                  bool `json:"nodeID"`
	CheckSecurebootOnEnroll bool `json:"checkSecurebootOnEnroll"`
	LockToState             bool `json:"lockToState"`
}

type inspectedVolume struct {
	Provider string         `json:"provider"`
	Keys     []inspectedKey `json:"keys"`
}

type inspected struct {
	// SecretboxSHA256 is the sha256 (hex) of the secretbox key kube-apiserver encrypts secrets with, "" when none.
	SecretboxSHA256 string                     `json:"secretboxSHA256"`
	Volumes         map[string]inspectedVolume `json:"volumes"`
}

// runInspect loads a machine config as Talos does and reports, through Talos's own accessors (which
// resolve a setting from whichever document carries it), the secretbox key and the system volumes' encryption.
func runInspect(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: inspect FILE")
	}

	cfg, err := configloader.NewFromFile(args[0])
	if err != nil {
		return fmt.Errorf("load %s: %w", args[0], err)
	}

	out := inspected{SecretboxSHA256: fingerprint(secretboxSecret(cfg)), Volumes: map[string]inspectedVolume{}}

	for _, name := range []string{"STATE", "EPHEMERAL"} {
		volume, ok := cfg.Volumes().ByName(name)
		if !ok || isNil(volume.Encryption()) {
			continue
		}

		encryption := volume.Encryption()
		report := inspectedVolume{Provider: fmt.Sprint(encryption.Provider())}

		for _, key := range encryption.Keys() {
			tpm := key.TPM()
			report.Keys = append(report.Keys, inspectedKey{
				Slot:                    key.Slot(),
				TPM:                     !isNil(tpm),
				NodeID:                  !isNil(key.NodeID()),
				CheckSecurebootOnEnroll: !isNil(tpm) && tpm.CheckSecurebootOnEnroll(),
				LockToState:             key.LockToSTATE(),
			})
		}

		out.Volumes[name] = report
	}

	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}

	fmt.Println(string(data))

	return nil
}

// secretboxSecret is the secretbox key: machinery 1.14 reads it from the KubeEtcdEncryptionConfig document
// (Config.K8sEtcdEncryptionConfig, absent in older machinery, hence reflection); older contracts from
// Cluster().SecretboxEncryptionSecret().
func secretboxSecret(cfg config.Provider) string {
	if method := reflect.ValueOf(cfg).MethodByName("K8sEtcdEncryptionConfig"); method.IsValid() {
		doc := method.Call(nil)[0]
		if doc.IsNil() {
			return ""
		}

		raw, ok := doc.MethodByName("EtcdEncryptionConfig").Call(nil)[0].Interface().(map[string]any)
		if !ok {
			return ""
		}

		return secretboxKeyIn(raw)
	}

	if cfg.Cluster() == nil {
		return ""
	}

	return cfg.Cluster().SecretboxEncryptionSecret()
}

// secretboxKeyIn finds resources[].providers[].secretbox.keys[name=key2].secret in an EncryptionConfiguration.
func secretboxKeyIn(raw map[string]any) string {
	for _, resource := range asList(raw["resources"]) {
		for _, provider := range asList(asMap(resource)["providers"]) {
			for _, key := range asList(asMap(asMap(provider)["secretbox"])["keys"]) {
				if asMap(key)["name"] == "key2" {
					secret, _ := asMap(key)["secret"].(string)

					return secret
				}
			}
		}
	}

	return ""
}

func asList(v any) []any {
	list, _ := v.([]any)

	return list
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)

	return m
}

func fingerprint(secret string) string {
	if secret == "" {
		return ""
	}

	sum := sha256.Sum256([]byte(secret))

	return hex.EncodeToString(sum[:])
}

func isNil(v any) bool {
	if v == nil {
		return true
	}

	value := reflect.ValueOf(v)

	switch value.Kind() { //nolint:exhaustive
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
		return value.IsNil()
	default:
		return false
	}
}
