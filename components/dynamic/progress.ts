export type Progress = (message: string) => void;

/**
 * Progress lines from inside a dynamic provider, shown by the engine (or on stderr without one).
 * @pulumi/pulumi is loaded on first use: it is slow to load and the provider may never log.
 */
export function providerProgress(resource: string): Progress {
  return (message) => {
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    void pulumi.log.info(`${resource}: ${message}`);
  };
}
