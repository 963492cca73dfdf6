#!/usr/bin/env node
// Measures every kept contract operation the way the router's limits count them, so the limits in
// gateway.config.ts can be chosen with a margin (and re-checked when the contract grows):
//
//   node scripts/measure-operations.mjs [OPERATIONS_DIR]      (default <repo>/schema/operations)
//
// tokens: lexical tokens (comments excluded), as @escape.tech/graphql-armor-max-tokens counts them
// depth:  field nesting, a fragment counting as one level, as graphql-armor-max-depth counts it
// aliases: aliased fields, `__typename` too, as the router counts them (src/plugins/document-limits.ts)
// bytes:  the request body when the document is sent in full as {"query": ...} (no variables)
// cost:   the estimate ROUTER_MAX_COST limits (src/plugins/cost.ts), from the supergraph's @listSize/@cost;
//         without variables a page counts at its largest `first`
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import { buildASTSchema, parse, specifiedRules, validate } from 'graphql';
import { transformSupergraphToPublicSchema } from '@theguild/federation-composition';

import { costModelFromSdl, estimateCost } from '../src/plugins/cost.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const directory = process.argv[2] ?? join(repoRoot, 'schema/operations');
const supergraph = readFileSync(join(repoRoot, 'schema/supergraph.graphql'), 'utf8');
const schema = buildASTSchema(transformSupergraphToPublicSchema(parse(supergraph)), { assumeValid: true });
const costModel = costModelFromSdl(supergraph);

function tokens(text) {
  let count = 0;
  const parser = new MaxTokensParserWLexer(text, { n: Infinity, onAccept: [(_, { n }) => (count = n)] });
  parser.parseDocument();
  return count;
}

function measured(document, rule, options = {}) {
  let found = 0;
  const errors = validate(schema, document, [
    ...specifiedRules,
    rule({ ...options, n: Infinity, onAccept: [(_, { n }) => (found = Math.max(found, n))] }),
  ]);
  if (errors.length > 0) throw new Error(errors.map((error) => error.message).join('; '));
  return found;
}

const rows = readdirSync(directory)
  .filter((name) => name.endsWith('.graphql'))
  .sort()
  .map((name) => {
    const text = readFileSync(join(directory, name), 'utf8');
    const document = parse(text);
    return {
      operation: name.replace(/\.graphql$/, ''),
      tokens: tokens(text),
      depth: measured(document, maxDepthRule),
      aliases: measured(document, maxAliasesRule, { allowList: [] }),
      bytes: Buffer.byteLength(JSON.stringify({ query: text })),
      cost: estimateCost(schema, costModel, document),
    };
  });
console.table(rows);
const most = (key) => Math.max(...rows.map((row) => row[key]));
console.log(
  `largest: tokens ${most('tokens')}, depth ${most('depth')}, aliases ${most('aliases')}, bytes ${most('bytes')}, ` +
    `cost ${most('cost')}`,
);
