/**
 * The SOPS library, loaded once when a `sops` verb runs (`run` in io.ts loads it before the verb's body): `--help` and
 * the other commands do not pay for it (age and its curves). In dist/ it is a bundle of its own
 * (bin/build-cli-bundle.cjs); every class the verbs check with `instanceof` comes from it.
 */
import type * as SopsLibrary from "../../../sops/index";

let loaded: typeof SopsLibrary | undefined;

export async function loadSopsLibrary(): Promise<typeof SopsLibrary> {
  loaded ??= await import("../../../sops/index.js");
  return loaded;
}

/** The library, once `loadSopsLibrary` has loaded it. */
export function lib(): typeof SopsLibrary {
  if (loaded === undefined) throw new Error("internal error: a sops verb used the SOPS library before run() loaded it");
  return loaded;
}
