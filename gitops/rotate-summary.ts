/** What `talos-homelab rotate` prints: the plan (files, recipients before -> after, problems) and the next steps. No key material. */
import { unreadableProblem } from "./rotate-apply";
import type { RotatePlan } from "./rotate-plan";

const list = (recipients: readonly string[]): string => (recipients.length === 0 ? "(none)" : recipients.join(", "));

/** The dry-run summary: files, recipients before -> after, problems. No key material. */
export function summary(plan: RotatePlan, apply: boolean, resumed: boolean): string[] {
  const lines = [`Rotating ${plan.files.length} SOPS file(s) in ${plan.root}${apply ? "" : " (dry run: nothing is written; run again with --apply)"}`];
  if (resumed) lines.push("  an interrupted rotation is in progress (journal found): files it already rotated are skipped");
  if (plan.change.cluster !== undefined) {
    lines.push(`  cluster identity: ${plan.change.cluster.from} -> ${plan.change.cluster.to} (the sops-age Secret keeps both until the rotated tree is pushed)`);
  }
  if (plan.change.operators !== undefined) lines.push(`  operators: ${list(plan.change.operators.from)} -> ${list(plan.change.operators.to)}`);
  lines.push(`  .sops.yaml: ${plan.sopsConfig.rulesChanged === 0 ? "unchanged" : `${plan.sopsConfig.rulesChanged} rule(s) get the new recipients`}`);
  for (const f of plan.files) {
    const after = f.after.map((g) => list(g)).join(" | ");
    const note = f.source === "rule" ? "" : ` [${f.source}]`;
    lines.push(`  ${f.path} (${f.file.format}): ${list(f.before)} -> ${after}${note}${f.keyRing !== undefined ? " [sops-age: new identity added]" : ""}`);
    if (f.problem !== undefined) lines.push(`    PROBLEM: ${f.problem}`);
  }
  for (const u of plan.unreadable) lines.push(`  ${u.path}\n    PROBLEM: ${unreadableProblem(u).problem}`);
  const problems = plan.files.filter((f) => f.problem !== undefined).length + plan.unreadable.length;
  lines.push(problems === 0 ? `Every file gets a fresh data key; every value is re-encrypted and its MAC recomputed.` : `${problems} file(s) cannot be rotated: --apply refuses until they can.`);
  return lines;
}

export function nextSteps(plan: RotatePlan, rotated: number): string[] {
  const lines = [`Rotated ${rotated} file(s) with fresh data keys.`];
  if (plan.change.cluster !== undefined) {
    lines.push(
      "Next (docs/operations.md, \"Rotating keys\"): 1. store the new cluster identity: `pulumi config set --secret talos-homelab:clusterAgeIdentity` (from the identity file);",
      "  2. `pulumi up` BEFORE pushing: the in-cluster sops-age Secret gets both identities; 3. commit and push the tree;",
      "  4. the next `pulumi up` (or render) drops the old identity once the pushed tree no longer needs it; commit and push that too.",
    );
  } else {
    lines.push("Next: commit and push the tree.");
  }
  return lines;
}
