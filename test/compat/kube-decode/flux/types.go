package main

// The kinds of the Flux build: Kubernetes core, the Flux Operator, the Flux controllers Flux 2.9.5 ships, and
// kustomize's kustomization.yaml.

import (
	fluxinstance "github.com/controlplaneio-fluxcd/flux-operator/api/v1"
	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	corev1 "k8s.io/api/core/v1"
	kustomizetypes "sigs.k8s.io/kustomize/api/types"
)

var registry = map[string]func() any{
	"v1/Namespace":                                 func() any { return &corev1.Namespace{} },
	"v1/Secret":                                    func() any { return &corev1.Secret{} },
	"fluxcd.controlplane.io/v1/FluxInstance":       func() any { return &fluxinstance.FluxInstance{} },
	"source.toolkit.fluxcd.io/v1/HelmRepository":   func() any { return &sourcev1.HelmRepository{} },
	"helm.toolkit.fluxcd.io/v2/HelmRelease":        func() any { return &helmv2.HelmRelease{} },
	"kustomize.toolkit.fluxcd.io/v1/Kustomization": func() any { return &kustomizev1.Kustomization{} },
	"kustomize.config.k8s.io/v1beta1/Kustomization": func() any { return &kustomizetypes.Kustomization{} },
}
