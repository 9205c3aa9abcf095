import { describe, expect, it } from "vitest";
import { kubeNodeInfo, kubePod } from "../../components/dynamic/rollout-kube";

describe("the roll-out's reading of Kubernetes objects", () => {
  it("reads a Node's Ready condition, kubelet version and cordon", () => {
    expect(
      kubeNodeInfo({
        metadata: { name: "cp-1" },
        spec: { unschedulable: true },
        status: { conditions: [{ type: "Ready", status: "False", reason: "KubeletNotReady", message: "cni not ready" }], nodeInfo: { kubeletVersion: "v1.36.3" } },
      }),
    ).toEqual({ name: "cp-1", ready: false, detail: "KubeletNotReady: cni not ready", kubeletVersion: "v1.36.3", unschedulable: true });
    expect(kubeNodeInfo({ metadata: { name: "w" }, status: {} })).toMatchObject({ ready: false, detail: "no Ready condition yet", kubeletVersion: "", unschedulable: false });
  });

  it("drains what kubectl drain evicts: not DaemonSet pods, not static (mirror) pods, not finished pods", () => {
    const pod = (extra: Record<string, unknown>, phase = "Running") => kubePod({ metadata: { namespace: "apps", name: "p", ...extra }, status: { phase } });
    expect(pod({}).drainable).toBe(true);
    expect(pod({ ownerReferences: [{ kind: "ReplicaSet" }] }).drainable).toBe(true);
    expect(pod({ ownerReferences: [{ kind: "DaemonSet" }] }).drainable).toBe(false);
    expect(pod({ annotations: { "kubernetes.io/config.mirror": "abc" } }).drainable).toBe(false);
    expect(pod({}, "Succeeded").drainable).toBe(false);
  });
});
