import * as pulumi from "@pulumi/pulumi";

export interface Registration {
  readonly inputs: Record<string, unknown>;
  /** The additionalSecretOutputs the resource asked the engine for. */
  readonly secretOutputs: string[];
}

/** Registers one resource under fresh Pulumi mocks and returns what the engine was sent. */
export async function registerUnderMocks(create: (opts: pulumi.CustomResourceOptions) => pulumi.CustomResource): Promise<Registration[]> {
  const registered: Registration[] = [];
  const secretOutputs = new Map<string, string[]>();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ inputs: args.inputs as Record<string, unknown>, secretOutputs: secretOutputs.get(args.name) ?? [] });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    "talos-homelab",
    "test",
    false,
  );
  const recordSecretOutputs: pulumi.ResourceTransformation = (args) => {
    secretOutputs.set(args.name, (args.opts as pulumi.CustomResourceOptions).additionalSecretOutputs ?? []);
    return undefined;
  };
  const resource = create({ transformations: [recordSecretOutputs] });
  await new Promise((done) => resource.urn.apply(done));
  await new Promise((done) => setTimeout(done, 50));
  return registered;
}
