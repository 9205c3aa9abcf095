// Child process for program.bench.ts: prepares Node.js as `pulumi preview` does (test/support/pulumi-runner.cjs),
// then runs program-under-mocks.ts.
require("../test/support/pulumi-runner.cjs").registerLikePulumiRunner(require("node:path").join(__dirname, ".."));
require("./program-under-mocks.ts");
