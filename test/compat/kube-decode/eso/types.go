package main

// The kinds of the External Secrets build (its module needs an older controller-runtime than the Flux Operator's,
// so the two cannot share one go.mod).

import (
	esv1 "github.com/external-secrets/external-secrets/apis/externalsecrets/v1"
)

var registry = map[string]func() any{
	"external-secrets.io/v1/ClusterSecretStore": func() any { return &esv1.ClusterSecretStore{} },
	"external-secrets.io/v1/ExternalSecret":     func() any { return &esv1.ExternalSecret{} },
}
