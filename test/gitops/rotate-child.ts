/** Child process for the kill test: plans and applies a rotation described by ROTATE_REQUEST (JSON), then exits. */
import { applyRotation } from "../../gitops/rotate-apply";
import { planRotation, type RotateRequest } from "../../gitops/rotate-plan";

async function main(): Promise<void> {
  const request = JSON.parse(process.env.ROTATE_REQUEST ?? "{}") as RotateRequest;
  const plan = await planRotation(request);
  process.stdout.write("planned\n");
  await applyRotation(plan, { identities: request.identities, onFile: (path) => process.stdout.write(`rotated ${path}\n`) });
  process.stdout.write("done\n");
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exitCode = 1;
});
