export const IMAGE_FACTORY_URL = "https://factory.talos.dev";
export const IMAGE_FACTORY_REGISTRY = "factory.talos.dev";

export type Architecture = "amd64" | "arm64";

export interface FactoryImageOptions {
  readonly schematicId: string;
  /** Talos version with the leading v, e.g. v1.11.5. */
  readonly talosVersion: string;
  readonly secureBoot: boolean;
  readonly arch?: Architecture;
  /** The platform booted; nocloud for Proxmox VMs. */
  readonly platform?: string;
}

const SCHEMATIC_ID = /^[0-9a-f]{64}$/;
const TALOS_VERSION = /^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** `https://factory.talos.dev/image/<id>/<version>/<platform>-<arch>[-secureboot].iso` */
export function isoUrl(options: FactoryImageOptions): string {
  check(options);
  const suffix = options.secureBoot ? "-secureboot" : "";
  return `${IMAGE_FACTORY_URL}/image/${options.schematicId}/${options.talosVersion}/${platformOf(options)}-${options.arch ?? "amd64"}${suffix}.iso`;
}

/**
 * `factory.talos.dev/<platform>-installer[-secureboot]/<id>:<version>`: the installer for the
 * platform that was booted (UKIs carry `talos.platform` since 1.10).
 */
export function installerImage(options: Omit<FactoryImageOptions, "arch">): string {
  check(options);
  const suffix = options.secureBoot ? "-secureboot" : "";
  return `${IMAGE_FACTORY_REGISTRY}/${platformOf(options)}-installer${suffix}/${options.schematicId}:${options.talosVersion}`;
}

/** The ISO's file name, as stored on the Proxmox storage. */
export function isoFileName(options: FactoryImageOptions): string {
  const url = isoUrl(options);
  return `talos-${options.talosVersion}-${options.schematicId.slice(0, 12)}-${url.slice(url.lastIndexOf("/") + 1)}`;
}

function platformOf(options: { readonly platform?: string }): string {
  const platform = options.platform ?? "nocloud";
  if (!/^[a-z0-9-]+$/.test(platform)) throw new Error(`image factory platform "${platform}": use a Talos platform name such as nocloud or metal`);
  return platform;
}

function check(options: Omit<FactoryImageOptions, "arch">): void {
  if (!SCHEMATIC_ID.test(options.schematicId)) {
    throw new Error(`schematic id "${options.schematicId}": must be 64 lower-case hex characters (see schematicId())`);
  }
  if (!TALOS_VERSION.test(options.talosVersion)) {
    throw new Error(`Talos version "${options.talosVersion}": write it as v<major>.<minor>.<patch>, e.g. v1.11.5`);
  }
}
