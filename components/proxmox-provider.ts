import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import type { HomelabConfig } from "../config";

/**
 * The Proxmox provider from stack config; the API token comes from secret config, else the provider reads
 * PROXMOX_VE_API_TOKEN itself (so an unset token never becomes a plaintext input).
 */
export function proxmoxProvider(
  name: string,
  config: HomelabConfig,
  apiToken: pulumi.Output<string> | undefined,
  opts?: pulumi.CustomResourceOptions,
): proxmox.Provider {
  return new proxmox.Provider(
    name,
    {
      endpoint: config.proxmox.endpoint,
      insecure: config.proxmox.insecure,
      ...(apiToken ? { apiToken: pulumi.secret(apiToken) } : {}),
    },
    opts,
  );
}
