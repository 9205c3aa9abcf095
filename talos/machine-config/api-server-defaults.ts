/**
 * The API server's admission and audit settings Talos's generator writes (generate/kubernetes.go): the same values in
 * the v1alpha1 `cluster.apiServer` of 1.11-1.13 and in 1.14's KubeAdmissionControlConfig / KubeAuditPolicyConfig.
 * Functions, so every config gets objects of its own to patch.
 */
import type { YamlMap } from "../patches/yaml-value";

export function podSecurityAdmission(): YamlMap {
  return {
    apiVersion: "pod-security.admission.config.k8s.io/v1alpha1",
    defaults: {
      audit: "restricted",
      "audit-version": "latest",
      enforce: "baseline",
      "enforce-version": "latest",
      warn: "restricted",
      "warn-version": "latest",
    },
    exemptions: { namespaces: ["kube-system"], runtimeClasses: [], usernames: [] },
    kind: "PodSecurityConfiguration",
  };
}

export function metadataAuditPolicy(): YamlMap {
  return { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "Metadata" }] };
}
