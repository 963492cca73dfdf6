#!/usr/bin/env node
// Prints the public API schema of a supergraph: what clients can query, without the federation
// machinery (join__/link__ types and directives) and without @inaccessible elements.
//
//   node scripts/api-schema.mjs SUPERGRAPH_FILE      (or "-" for standard input)
//
// The schema gate (devstack schema check/diff) compares and validates against this schema.
import { readFileSync } from 'node:fs';

import { transformSupergraphToPublicSchema } from '@theguild/federation-composition';
import { buildASTSchema, lexicographicSortSchema, parse, printSchema } from 'graphql';

const [file] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node scripts/api-schema.mjs SUPERGRAPH_FILE|-\n');
  process.exit(2);
}
try {
  const supergraph = readFileSync(file === '-' ? 0 : file, 'utf8');
  const api = buildASTSchema(transformSupergraphToPublicSchema(parse(supergraph)), { assumeValid: true });
  process.stdout.write(printSchema(lexicographicSortSchema(api)) + '\n');
} catch (err) {
  process.stderr.write(`api-schema: ${err.message}\n`);
  process.exit(1);
}
