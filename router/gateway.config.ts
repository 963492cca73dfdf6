// Hive Gateway configuration, loaded by `hive-gateway supergraph` from this directory.
//
// Query planning and execution use the Hive Router runtime (the Rust query planner shipped as an
// N-API binary in @graphql-hive/router-runtime). Everything is overridable by environment variable:
//
//   ROUTER_SUPERGRAPH_PATH   supergraph SDL (default ../schema/supergraph.graphql, from this file)
//   ROUTER_HOST, ROUTER_PORT where to listen (default 127.0.0.1:4000)
//   CUSTOMERS_URL, PORTFOLIOS_URL, ASSETS_URL
//                            subgraph endpoints (default: the URLs composed into the supergraph)
//   ROUTER_GRAPHIQL          "false" turns GraphiQL off (default on, at /graphql)
//   ROUTER_DEMO_CUSTOMER_ID  preloads the Dashboard query's $customerId in GraphiQL
//   ROUTER_TRUSTED_DOCUMENTS_ONLY
//                            "true" (production): only documents from schema/trusted-documents.json
//                            run, named by `documentId` or `extensions.persistedQuery.sha256Hash`
//
// Note: the hive-gateway CLI also reads HOST, PORT, FORK, POLLING and CONFIG_PATH from the
// environment, and those win over this file. Keep them unset; use the ROUTER_* names.
//
// This file is loaded by the gateway's own TypeScript importer, and type-checked by `tsc --noEmit`:
// keep to erasable TypeScript syntax (no enums, namespaces or parameter properties).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { defineConfig, Logger } from '@graphql-hive/gateway';
import type { TransportEntryAdditions, UnifiedGraphHandler } from '@graphql-hive/gateway';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';

const env = process.env;

/** A path given relative to this config file, so the gateway works from any working directory. */
function fromHere(relativePath: string): string {
  return fileURLToPath(new URL(relativePath, import.meta.url));
}

function envText(name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function envPort(name: string, fallback: number): number {
  const raw = envText(name);
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name} must be a TCP port number, got ${JSON.stringify(raw)}`);
  }
  return port;
}

/** Subgraph names as composed into the supergraph (join__Graph name), with their URL variables. */
const SUBGRAPH_URL_ENV = {
  customers: 'CUSTOMERS_URL',
  portfolios: 'PORTFOLIOS_URL',
  assets: 'ASSETS_URL',
} as const;

/** Only the subgraphs whose variable is set are overridden; the rest keep the supergraph's URL. */
function subgraphLocations(): TransportEntryAdditions {
  const entries: TransportEntryAdditions = {};
  for (const [subgraph, variable] of Object.entries(SUBGRAPH_URL_ENV)) {
    const location = envText(variable);
    if (location !== undefined) {
      entries[subgraph] = { location };
    }
  }
  return entries;
}

/**
 * The Dashboard operation from the public contract, as GraphiQL's default query. With a demo
 * customer id, `$customerId: ID!` gets that id as its default value so that Run works at once.
 */
function dashboardQuery(demoCustomerId: string | undefined): string | undefined {
  let text: string;
  try {
    text = readFileSync(fromHere('../schema/operations/Dashboard.graphql'), 'utf8');
  } catch {
    return undefined; // GraphiQL then opens with its own default; nothing else depends on this.
  }
  if (demoCustomerId === undefined) return text;
  const variable = /(\$customerId\s*:\s*ID!)(?!\s*=)/;
  if (!variable.test(text)) {
    process.emitWarning('Dashboard.graphql has no `$customerId: ID!` to preload the demo customer id into');
    return text;
  }
  // JSON string escaping is valid GraphQL string escaping.
  return text.replace(variable, `$1 = ${JSON.stringify(demoCustomerId)}`);
}

/** hash -> document, built by `make schema` from the kept contract operations. */
function trustedDocuments(): Record<string, string> {
  const path = envText('ROUTER_TRUSTED_DOCUMENTS_PATH') ?? fromHere('../schema/trusted-documents.json');
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
}

/** Hive's `documentId` (GraphQL-over-HTTP, optionally "sha256:"-prefixed) or Apollo's extension. */
function persistedDocumentId(params: { extensions?: Record<string, unknown> }): string | null {
  const documentId = (params as { documentId?: unknown }).documentId;
  if (typeof documentId === 'string' && documentId) {
    return documentId.replace(/^sha256:/, '');
  }
  const apollo = params.extensions?.['persistedQuery'] as { version?: unknown; sha256Hash?: unknown } | undefined;
  return apollo?.version === 1 && typeof apollo.sha256Hash === 'string' ? apollo.sha256Hash : null;
}

const documents = trustedDocuments();
const trustedDocumentsOnly = envText('ROUTER_TRUSTED_DOCUMENTS_ONLY')?.toLowerCase() === 'true';

// Same defaults as the gateway's own logger (LOG_LEVEL, LOG_JSON). Not `opts.log` below: on a
// supergraph reload that one still carries the attributes of an earlier request.
const log = new Logger();

/** The Rust query planner, announced in the log each time a supergraph is loaded. */
const routerRuntime: UnifiedGraphHandler = (opts) => {
  log.info('Query planning and execution: Hive Router runtime (Rust query planner)');
  return unifiedGraphHandler(opts);
};

const graphiqlEnabled = envText('ROUTER_GRAPHIQL')?.toLowerCase() !== 'false';

export const gatewayConfig = defineConfig({
  supergraph: envText('ROUTER_SUPERGRAPH_PATH') ?? fromHere('../schema/supergraph.graphql'),
  host: envText('ROUTER_HOST') ?? '127.0.0.1',
  port: envPort('ROUTER_PORT', 4000),

  unifiedGraphHandler: routerRuntime,
  transportEntries: subgraphLocations(),

  graphqlEndpoint: '/graphql',
  // The classic GraphiQL (the gateway's default UI, Hive Laboratory, ignores `defaultQuery`).
  // Its assets load from unpkg.com in the browser.
  renderLegacyGraphiQL: graphiqlEnabled,
  graphiql: graphiqlEnabled
    ? (() => {
        const defaultQuery = dashboardQuery(envText('ROUTER_DEMO_CUSTOMER_ID'));
        return {
          title: 'Portfolio supergraph',
          ...(defaultQuery !== undefined ? { defaultQuery } : {}),
        };
      })()
    : false,

  // Unexpected errors in the gateway reach clients as "Unexpected error." (the x-request-id
  // response header identifies the request) and are logged in full. GraphQL errors returned by
  // subgraphs (UNAUTHENTICATED, FORBIDDEN, ...) pass through with their extensions.code.
  maskedErrors: true,

  // Trusted documents: the kept contract operations are served by id; in production
  // (ROUTER_TRUSTED_DOCUMENTS_ONLY=true) any other document is refused.
  persistedDocuments: {
    getPersistedOperation: (id: string) => documents[id] ?? null,
    extractPersistedOperationId: persistedDocumentId,
    allowArbitraryDocuments: !trustedDocumentsOnly,
    customErrors: {
      persistedQueryOnly: {
        message: 'Only trusted documents are accepted: send a documentId from the manifest.',
        extensions: { code: 'PERSISTED_QUERY_ONLY' },
      },
      notFound: {
        message: 'Unknown documentId: it is not in the trusted documents manifest.',
        extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' },
      },
    },
  },

  // Authentication goes here later (the `jwt` option, or a plugin in `plugins`); until then the
  // gateway only forwards the credentials and the correlation id. The built-in request-id plugin
  // also sends x-request-id upstream, generating one when the client sent none.
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      return {
        authorization: request.headers.get('authorization'),
        'x-request-id': request.headers.get('x-request-id'),
      };
    },
  },

  // Built in, listed to make the contract visible: /healthcheck is liveness, /readiness turns ready
  // once the supergraph has loaded.
  healthCheckEndpoint: '/healthcheck',
  readinessCheckEndpoint: '/readiness',
});
