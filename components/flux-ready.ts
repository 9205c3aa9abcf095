import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { SopsCanaryRef } from "./dynamic/flux-ready-logic";
import { moduleBackedProvider } from "./dynamic/serializable-provider";

export interface FluxReadyArgs {
  /** The admin kubeconfig (embedded client certificate), used directly over https. */
  readonly kubeconfig: pulumi.Input<string>;
  readonly namespace: pulumi.Input<string>;
  /** The FluxInstance's name. */
  readonly instance: pulumi.Input<string>;
  /** The SOPS canaries of the tree, with the value digests they were rendered with. */
  readonly canaries: pulumi.Input<pulumi.Input<SopsCanaryRef>[]>;
  /** The Git source Flux syncs from, for the hint in messages (`<url>@<branch>`). */
  readonly source: pulumi.Input<string>;
  /** Give up after this long (default 900), with the controllers' messages. */
  readonly timeoutSeconds?: pulumi.Input<number>;
  readonly pollSeconds?: pulumi.Input<number>;
}

const provider = moduleBackedProvider(join(__dirname, "dynamic", "flux-ready-provider"), "fluxReadyProvider");

/**
 * Waits until the FluxInstance is Ready and kustomize-controller has decrypted and applied every SOPS canary of the
 * tree from Git: the proof that Flux runs and decrypts with the cluster identity.
 */
export class FluxReady extends pulumi.dynamic.Resource {
  declare readonly readyAt: pulumi.Output<string>;

  constructor(name: string, args: FluxReadyArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args, kubeconfig: pulumi.secret(args.kubeconfig), readyAt: undefined }, opts, "talos-homelab", "FluxReady");
  }
}
