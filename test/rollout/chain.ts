/**
 * What Pulumi does with the per-node chain on a version change (the dependency order the mocks tests assert):
 * node by node, each node's TalosNodeUpgrade update then its TalosNodeMembership update; the first failure stops
 * the chain and leaves that node's state as it was, so the next run starts there.
 */
export interface ChainNode {
  readonly name: string;
  /** Runs the node's updates; throws to stop the chain. */
  run(): Promise<void>;
}

export interface ChainRun {
  readonly done: string[];
  readonly failed?: { readonly node: string; readonly error: Error };
}

export async function runChain(nodes: readonly ChainNode[]): Promise<ChainRun> {
  const done: string[] = [];
  for (const node of nodes) {
    try {
      await node.run();
      done.push(node.name);
    } catch (err) {
      return { done, failed: { node: node.name, error: err as Error } };
    }
  }
  return { done };
}
