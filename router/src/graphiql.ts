// GraphiQL served entirely by the router: the page, its script, stylesheet and editor workers come
// from the pinned npm package @graphql-yoga/graphiql (router/package-lock.json), never from a CDN,
// so it works offline, behind a proxy and under a strict Content-Security-Policy.
//
// The explorer opens one tab per contract operation in ../schema/operations (the Dashboard first),
// each with variables that run against the demo data and the token of a role allowed to run it.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import type { GatewayPlugin } from '@graphql-hive/gateway';
import {
  Kind,
  buildASTSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  parse,
  typeFromAST,
} from 'graphql';
import type { GraphQLInputType, GraphQLSchema, OperationDefinitionNode } from 'graphql';

/** Where the page's assets are served from; nothing else under it answers. */
export const ASSET_PREFIX = '/graphiql-assets/';

const ASSET_TYPES: Record<string, string> = {
  'graphiql.css': 'text/css; charset=utf-8',
  'yoga-graphiql.umd.js': 'text/javascript; charset=utf-8',
  'editor.worker.js': 'text/javascript; charset=utf-8',
  'json.worker.js': 'text/javascript; charset=utf-8',
  'graphql.worker.js': 'text/javascript; charset=utf-8',
};
/** Our asset name -> the file in the package's dist/ (the package names one worker "..bundle"). */
const ASSET_FILES: Record<string, string> = {
  'graphiql.css': 'graphiql.css',
  'yoga-graphiql.umd.js': 'yoga-graphiql.umd.js',
  'editor.worker.js': 'monacoeditorwork/editor.worker.bundle.js',
  'json.worker.js': 'monacoeditorwork/json.worker.bundle.js',
  'graphql.worker.js': 'monacoeditorwork/graphql.worker..bundle.js',
};

// The page needs inline scripts and styles (its options, React's style attributes) and its own
// origin; nothing may load from, or be sent to, anywhere else.
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function distDirectory(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@graphql-yoga/graphiql/package.json')), 'dist');
}

/** Serves the page's assets from the package (read once, kept in memory) with a CSP on the page. */
export function useGraphiQLAssets(graphqlEndpoint: string): GatewayPlugin {
  const dist = distDirectory();
  const cache = new Map<string, Uint8Array>();
  return {
    onRequest({ url, request, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(ASSET_PREFIX)) return;
      const name = url.pathname.slice(ASSET_PREFIX.length);
      const file = Object.hasOwn(ASSET_FILES, name) ? ASSET_FILES[name] : undefined;
      if (file === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) {
        endResponse(new fetchAPI.Response('Not found', { status: 404 }));
        return;
      }
      let body = cache.get(name);
      if (body === undefined) {
        body = new Uint8Array(readFileSync(join(dist, file)));
        cache.set(name, body);
      }
      endResponse(
        new fetchAPI.Response(request.method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), {
          status: 200,
          headers: {
            'Content-Type': ASSET_TYPES[name] ?? 'application/octet-stream',
            'Cache-Control': 'public, max-age=3600',
            'X-Content-Type-Options': 'nosniff',
          },
        }),
      );
    },
    onResponse({ request, response }) {
      const path = new URL(request.url, 'http://router').pathname;
      if (path.replace(/\/$/, '') === graphqlEndpoint && response.headers.get('content-type')?.startsWith('text/html')) {
        response.headers.set('Content-Security-Policy', PAGE_CSP);
        response.headers.set('X-Content-Type-Options', 'nosniff');
        response.headers.set('Referrer-Policy', 'no-referrer');
      }
    },
  };
}

/** JSON that is safe inside a <script> element: no "</script>" or "<!--" can close it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page: Yoga's GraphiQL with every asset on this origin (for the gateway's renderGraphiQL). */
export function renderGraphiQL(options: Record<string, unknown>): string {
  const title = typeof options['title'] === 'string' ? options['title'] : 'GraphiQL';
  const workers = {
    editorWorkerService: `${ASSET_PREFIX}editor.worker.js`,
    json: `${ASSET_PREFIX}json.worker.js`,
    graphql: `${ASSET_PREFIX}graphql.worker.js`,
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSET_PREFIX}graphiql.css">
</head>
<body id="body" class="no-focus-outline">
<noscript>You need to enable JavaScript to run this app.</noscript>
<div id="root">Loading ${escapeHtml(title)}...</div>
<script>
const workers = ${scriptJson(workers)};
self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_id, label) => workers[label] ?? workers.editorWorkerService };
</script>
<script src="${ASSET_PREFIX}yoga-graphiql.umd.js"></script>
<script>YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), ${scriptJson(options)});</script>
</body>
</html>
`;
}

// -- The contract operations as tabs -------------------------------------------------------------

export interface TabContext {
  /** The demo customer's id and one of its portfolios, when the launcher seeded them. */
  customerId?: string | undefined;
  portfolioId?: string | undefined;
  /** Headers JSON for staff-only operations, and for what a customer does with its own data. */
  staffHeaders?: string | undefined;
  customerHeaders?: string | undefined;
  today: string;
}

export interface Tab {
  query: string;
  variables?: string;
  headers?: string;
}

// Operations that only operators and admins may run (the schema's descriptions say so); every other
// operation is one a customer runs on its own data, so its tab carries the demo customer's token.
const STAFF_OPERATIONS = new Set(['Customers', 'RegisterCustomer', 'SetManualPrice', 'SetManualFxRate']);

/** Example values by argument or input-field name, for variables a newcomer can run as they are. */
function exampleScalar(name: string, typeName: string, context: TabContext): unknown {
  switch (name) {
    case 'customerId':
      return context.customerId ?? 'CUSTOMER-ID';
    case 'portfolioId':
      return context.portfolioId ?? 'PORTFOLIO-ID';
    case 'id':
      return context.customerId ?? 'ID';
    case 'symbol':
      return 'AAPL';
    case 'query':
      return 'apple';
    case 'email':
      return 'newcomer@example.com';
    case 'name':
      return 'Newcomer';
    case 'toCurrency':
      return 'EUR';
    case 'country':
      return 'US';
    case 'city':
      return 'Springfield';
    case 'line1':
      return '1 Main Street';
    case 'postalCode':
      return '12345';
    case 'rate':
      return '0.92';
    case 'amount':
      return '100.00';
    case 'first':
      return 10;
    case 'expectedVersion':
      return 1;
  }
  if (name.endsWith('Currency') || name === 'currencyCode') return 'USD';
  switch (typeName) {
    case 'Decimal':
      return '1';
    case 'Date':
      return context.today;
    case 'Int':
      return 1;
    case 'Boolean':
      return false;
    default:
      return name;
  }
}

/** A value of `type` with every required field filled in; optional fields are left out. */
function exampleValue(name: string, type: GraphQLInputType, context: TabContext): unknown {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return [exampleValue(name, inner.ofType, context)];
  if (isInputObjectType(inner)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(inner.getFields())) {
      if (isNonNullType(field.type) && field.defaultValue === undefined) {
        value[field.name] = exampleValue(field.name, field.type, context);
      }
    }
    return value;
  }
  if (isEnumType(inner)) return inner.getValues()[0]?.value;
  return exampleScalar(name, getNamedType(inner).name, context);
}

function exampleVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  context: TabContext,
): Record<string, unknown> {
  const variables: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.type.kind !== Kind.NON_NULL_TYPE || definition.defaultValue !== undefined) continue;
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (type !== undefined) {
      variables[definition.variable.name.value] = exampleValue(definition.variable.name.value, type, context);
    }
  }
  return variables;
}

/**
 * One tab per operation file, the Dashboard first and the rest by name. A file that does not parse
 * or names no operation is left out (the schema gate reports it; the IDE still opens).
 */
export function contractTabs(operationsDirectory: string, supergraphSdl: string, context: TabContext): Tab[] {
  // The supergraph's input types are the API's (none is @inaccessible), so no API transform is needed.
  const schema = buildASTSchema(parse(supergraphSdl), { assumeValid: true, assumeValidSDL: true });
  const files = readdirSync(operationsDirectory)
    .filter((file) => file.endsWith('.graphql'))
    .sort((a, b) => (a === 'Dashboard.graphql' ? -1 : b === 'Dashboard.graphql' ? 1 : a.localeCompare(b)));
  const tabs: Tab[] = [];
  for (const file of files) {
    const query = readFileSync(join(operationsDirectory, file), 'utf8');
    let operation: OperationDefinitionNode | undefined;
    try {
      operation = parse(query).definitions.find(
        (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
      );
    } catch {
      continue;
    }
    if (operation === undefined) continue;
    const staff = STAFF_OPERATIONS.has(operation.name?.value ?? '');
    const headers = (staff ? context.staffHeaders : context.customerHeaders) ?? context.staffHeaders;
    tabs.push({
      query,
      variables: JSON.stringify(exampleVariables(schema, operation, context), null, 2),
      ...(headers !== undefined ? { headers } : {}),
    });
  }
  return tabs;
}
