// Hive Gateway configuration, loaded by `hive-gateway supergraph` from this directory.
//
// Query planning and execution use the Hive Router runtime (the Rust query planner shipped as an
// N-API binary in @graphql-hive/router-runtime). Every request to /graphql needs a valid bearer JWT
// (src/plugins/authentication.ts); the router refuses to start without its authentication settings.
//
// This file is the configuration alone: which setting comes from which variable, with which default,
// and the gateway's options. The readers of the variables are in src/env.ts, the trusted documents in
// src/documents.ts, tracing in src/telemetry.ts, the logger in src/logging.ts, GraphiQL in
// src/graphiql/, and every plugin in its own module under src/plugins/.
//
// Environment (an invalid value stops the router at startup; nothing falls back silently):
//
//   ROUTER_PROFILE           "production" (the default) or "development". Development relaxes the IDE
//                            only: GraphiQL, introspection, field suggestions and arbitrary (not
//                            trusted) documents. Authentication and every limit below stay on.
//   AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL
//                            required: the token issuer (`iss`), our audience (`aud`) and where the
//                            issuer publishes its signing keys (JWKS). Tokens: RS256 or ES256, with a
//                            `kid` from that JWKS and exp/iat/iss/aud/sub, at most 8 KB.
//   AUTH_LEEWAY_SECONDS      clock skew allowed on exp/nbf/iat, 0 to 300 (default 30, as in the subgraphs)
//   AUTH_ROLES_CLAIM, AUTH_DEFAULT_ROLE
//                            as in the subgraphs: the claim holding the roles (default `roles`) and
//                            the role of a token with none we know (default: none, then 403 FORBIDDEN)
//   AUTH_JWKS_REFRESH_SECONDS
//                            how long fetched signing keys are kept (default 600); an unknown `kid`
//                            refetches the JWKS at once (at most 10 fetches a minute)
//   ROUTER_SUPERGRAPH_PATH   supergraph SDL (default ../schema/supergraph.graphql, from this file)
//   ROUTER_HOST, ROUTER_PORT where to listen (default 127.0.0.1:4000)
//   <SUBGRAPH>_URL           a subgraph's endpoint, for each subgraph the supergraph composes
//                            (CUSTOMERS_URL, PORTFOLIOS_URL, ASSETS_URL; default: its composed URL)
//   ROUTER_TRUSTED_DOCUMENTS_ONLY
//                            "true": only documents from the trusted documents manifest run, named
//                            by `documentId` or `extensions.persistedQuery.sha256Hash`; "false": any
//                            document runs too. Default: true in production, false in development.
//   ROUTER_TRUSTED_DOCUMENTS_PATH
//                            the manifest (default ../schema/trusted-documents.json)
//   ROUTER_GRAPHIQL          "true"/"false": GraphiQL at /graphql. Default: on in development only.
//   ROUTER_GRAPHIQL_TOKEN    development only: a bearer token preloaded into GraphiQL's headers (the
//                            dev launcher sets an operator's). Never logged. Refused in production:
//                            the GraphiQL page itself is served without authentication.
//   ROUTER_GRAPHIQL_CUSTOMER_TOKEN
//                            development only: the demo customer's token, carried by the GraphiQL
//                            tabs of operations a customer runs on its own data (the launcher sets it)
//   ROUTER_DEMO_CUSTOMER_ID, ROUTER_DEMO_PORTFOLIO_ID
//                            fill the GraphiQL tabs' variables (one tab per contract operation) with
//                            the demo customer and one of its portfolios
//   Limits (both profiles; defaults chosen on the kept contract operations, whose largest figure
//   is in brackets: `node scripts/measure-operations.mjs` recounts them):
//   ROUTER_MAX_TOKENS        most lexical tokens in a document, comments excluded (default 500 [119])
//   ROUTER_MAX_DEPTH         deepest field nesting, a fragment counting as a level (default 10 [7])
//   ROUTER_MAX_ALIASES       most aliased fields in an operation, __typename too (default 10 [0])
//   ROUTER_MAX_COST          demand-control cost of the whole operation, before any subgraph call:
//                            object fields times the sizes (@listSize) of the lists they sit in,
//                            so it bounds the size of the answer (src/plugins/cost.ts; default 25000 [6061])
//   ROUTER_MAX_BODY_BYTES    largest request body; above it 413, also when chunked (default 16384 [1766])
//   ROUTER_MUTATION_RATE_LIMIT
//                            mutation fields per subject (JWT `sub`) per sliding minute, all
//                            mutations together; above it 429 RATE_LIMITED (default 60)
//   Outages (a subgraph down or hung: its fields are null with a SUBGRAPH_UNAVAILABLE error, the rest
//   is answered; defaults keep the Dashboard, four calls one after another, within 3 s):
//   ROUTER_UPSTREAM_TIMEOUT_MS
//                            one subgraph call at most this long (default 2000)
//   ROUTER_REQUEST_DEADLINE_MS
//                            a whole request at most this long (default 2800): a subgraph call gets
//                            only what is left of it less 300 ms kept to send the partial answer;
//                            a request still running at the deadline is answered 503
//   ROUTER_CORS_ORIGINS      comma-separated origins (https://app.example.com) allowed cross-origin;
//                            empty or unset (the default): no cross-origin access at all
//   OTEL_EXPORTER_OTLP_ENDPOINT
//                            turns tracing on (OTLP/HTTP export, src/telemetry.ts); unset (the
//                            default), it is off.
//                            With it: OTEL_SERVICE_NAME (default "router"), OTEL_PROPAGATORS (default
//                            "tracecontext,baggage"; "xray" too), OTEL_EXPORTER_OTLP_PROTOCOL
//                            (http/protobuf or http/json), OTEL_RESOURCE_ATTRIBUTES,
//                            OTEL_TRACES_SAMPLER, OTEL_SDK_DISABLED=true (off again)
//   LOG_LEVEL, LOG_JSON      the gateway's logger. Authorization headers, subgraph calls' variables and
//                            bodies and subgraph results are redacted from its logs (investor data);
//                            each request's lines carry its requestId (the x-request-id header)
//
// Note: the hive-gateway CLI also reads HOST, PORT, FORK, POLLING and CONFIG_PATH from the
// environment, and those win over this file. Keep them unset; use the ROUTER_* names.
//
// This file is loaded by the gateway's own TypeScript importer, and type-checked by `tsc --noEmit`:
// keep to erasable TypeScript syntax (no enums, namespaces or parameter properties).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { defineConfig } from '@graphql-hive/gateway';
import type { UnifiedGraphHandler } from '@graphql-hive/gateway';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';

import { trustedDocuments } from './src/documents.js';
import {
  envCount,
  envFlag,
  envGraphiQLToken,
  envPort,
  envProfile,
  envRequired,
  envSubgraphUrls,
  envText,
} from './src/env.js';
import { renderGraphiQL, useGraphiQLAssets } from './src/graphiql/page.js';
import { graphiqlOptions } from './src/graphiql/tabs.js';
import { redactingLogger } from './src/logging.js';
import { jwtOptions, useAuthenticationRequired } from './src/plugins/authentication.js';
import type { AuthSettings } from './src/plugins/authentication.js';
import { useRequestBodyLimit } from './src/plugins/body-limit.js';
import { corsFor, parseOrigins } from './src/plugins/cors.js';
import { useOperationCost } from './src/plugins/cost.js';
import { useDocumentLimits } from './src/plugins/document-limits.js';
import {
  useCanonicalStringEscapes,
  useCleanRequestParsing,
  useKnownOperationTypes,
} from './src/plugins/graphql-edges.js';
import { refuseMalformedHttp } from './src/plugins/http-hygiene.js';
import { useNumberLiterals } from './src/plugins/number-literals.js';
import { useMutationRateLimit } from './src/plugins/rate-limit.js';
import { useHiddenSuggestions } from './src/plugins/suggestions.js';
import { parseDefaultRole, useTokenClaims } from './src/plugins/token-claims.js';
import { upstreamGuard } from './src/plugins/upstream.js';
import { useVariableValues } from './src/plugins/variable-values.js';
import { subgraphNames } from './src/supergraph.js';
import { openTelemetryOptions, setUpTracing, tracingRequested } from './src/telemetry.js';

/** A path given relative to this config file, so the gateway works from any working directory. */
function fromHere(relativePath: string): string {
  return fileURLToPath(new URL(relativePath, import.meta.url));
}

// -- Profile, authentication and limits ----------------------------------------------------------
const development = envProfile('ROUTER_PROFILE') === 'development';

const auth: AuthSettings = {
  issuer: envRequired('AUTH_ISSUER'),
  audience: envRequired('AUTH_AUDIENCE'),
  jwksUrl: envRequired('AUTH_JWKS_URL'),
  leewaySeconds: envCount('AUTH_LEEWAY_SECONDS', 30, 0, 300),
  jwksRefreshSeconds: envCount('AUTH_JWKS_REFRESH_SECONDS', 600),
};
const tokenClaims = {
  leewaySeconds: auth.leewaySeconds,
  rolesClaim: envText('AUTH_ROLES_CLAIM') ?? 'roles',
  defaultRole: parseDefaultRole(envText('AUTH_DEFAULT_ROLE')),
};

// A request whose target or Host header cannot make a URL gets 400 before the gateway sees it.
refuseMalformedHttp();

// Defaults: what the largest kept contract operation needs is in brackets (measure-operations.mjs);
// each passes with a clear margin: about 4x the tokens and the cost, 9x the bytes, 3 more levels
// of nesting, aliases where none is used.
const limits = {
  maxTokens: envCount('ROUTER_MAX_TOKENS', 500), // [Dashboard: 119]
  maxDepth: envCount('ROUTER_MAX_DEPTH', 10), // [Dashboard: 7]
  maxAliases: envCount('ROUTER_MAX_ALIASES', 10), // [none uses an alias]
  maxCost: envCount('ROUTER_MAX_COST', 25000), // [Dashboard: 6061, a 10 x 50 book]
  maxBodyBytes: envCount('ROUTER_MAX_BODY_BYTES', 16384), // [Dashboard sent in full: 1766]
  mutationsPerMinute: envCount('ROUTER_MUTATION_RATE_LIMIT', 60),
};
// Dashboard: customers -> portfolios -> portfolios -> assets, one after another. With one subgraph
// hung, its call waits the timeout: ~2.2 s with the others' ~0.1 s each; the deadline caps the rest.
const upstream = upstreamGuard({
  upstreamTimeoutMs: envCount('ROUTER_UPSTREAM_TIMEOUT_MS', 2000, 1, 600_000),
  requestDeadlineMs: envCount('ROUTER_REQUEST_DEADLINE_MS', 2800, 1, 600_000),
});
const corsOrigins = parseOrigins(envText('ROUTER_CORS_ORIGINS'));

// -- The supergraph, its documents and GraphiQL --------------------------------------------------
const documents = trustedDocuments(
  envText('ROUTER_TRUSTED_DOCUMENTS_PATH') ?? fromHere('../schema/trusted-documents.json'),
  envFlag('ROUTER_TRUSTED_DOCUMENTS_ONLY', !development),
);
const supergraphPath = envText('ROUTER_SUPERGRAPH_PATH') ?? fromHere('../schema/supergraph.graphql');

const log = redactingLogger();

/** The Rust query planner, announced in the log each time a supergraph is loaded. */
const routerRuntime: UnifiedGraphHandler = (opts) => {
  log.info('Query planning and execution: Hive Router runtime (Rust query planner)');
  return unifiedGraphHandler(opts);
};

const graphiqlEnabled = envFlag('ROUTER_GRAPHIQL', development);
// The dev launcher's tokens for GraphiQL's requests: an operator's, and the demo customer's.
const graphiqlAuthorization = envGraphiQLToken('ROUTER_GRAPHIQL_TOKEN', development);
const graphiqlCustomerAuthorization = envGraphiQLToken('ROUTER_GRAPHIQL_CUSTOMER_TOKEN', development);

const tracing = tracingRequested();
if (tracing) {
  await setUpTracing(log);
}

export const gatewayConfig = defineConfig({
  supergraph: supergraphPath,
  host: envText('ROUTER_HOST') ?? '127.0.0.1',
  port: envPort('ROUTER_PORT', 4000),

  unifiedGraphHandler: routerRuntime,
  // Only the subgraphs whose <NAME>_URL is set are overridden; the rest keep the supergraph's URL.
  transportEntries: envSubgraphUrls(subgraphNames(readFileSync(supergraphPath, 'utf8'))),

  graphqlEndpoint: '/graphql',
  // Yoga's GraphiQL with every asset served by the router itself (src/graphiql/): no CDN, so it
  // works offline. One tab per contract operation, the Dashboard first.
  renderLegacyGraphiQL: false,
  renderGraphiQL: renderGraphiQL,
  graphiql: graphiqlEnabled
    ? graphiqlOptions(fromHere('../schema/operations'), readFileSync(supergraphPath, 'utf8'), {
        customerId: envText('ROUTER_DEMO_CUSTOMER_ID'),
        portfolioId: envText('ROUTER_DEMO_PORTFOLIO_ID'),
        staffHeaders: graphiqlAuthorization,
        customerHeaders: graphiqlCustomerAuthorization,
        today: new Date().toISOString().slice(0, 10),
      })
    : false,
  // The gateway's HTML landing page at / (product and version): development only.
  landingPage: development,
  // No subscriptions in the supergraph: no WebSocket endpoint either.
  disableWebsockets: true,
  logging: log,

  // Unexpected errors in the gateway reach clients as "Unexpected error." (the x-request-id
  // response header identifies the request) and are logged in full. GraphQL errors returned by
  // subgraphs (UNAUTHENTICATED, FORBIDDEN, ...) pass through with their extensions.code.
  maskedErrors: true,

  // Trusted documents: the kept contract operations are served by id; in production
  // (ROUTER_TRUSTED_DOCUMENTS_ONLY, true by default there) any other document is refused.
  persistedDocuments: documents,

  // -- Authentication: a valid bearer JWT on every GraphQL request, checked while the request is
  // parsed (before validation, planning or any subgraph call). Refusals: 401 UNAUTHENTICATED.
  jwt: jwtOptions(auth, log),

  // -- Hardening (both profiles). Depth, tokens, aliases (useDocumentLimits) and cost
  // (useOperationCost) are checked on the client's document, before any planning or subgraph call.
  cors: corsFor(corsOrigins),
  // Production hides the schema: no introspection, no "Did you mean ...?" in any error.
  ...(development ? {} : { disableIntrospection: {} }),
  plugins: () => [
    useAuthenticationRequired(),
    useTokenClaims(tokenClaims),
    ...(graphiqlEnabled ? [useGraphiQLAssets('/graphql')] : []),
    useRequestBodyLimit(limits.maxBodyBytes),
    useCleanRequestParsing(),
    useCanonicalStringEscapes(limits.maxTokens),
    ...useDocumentLimits(limits),
    useKnownOperationTypes(),
    // Number literals the query planner would change or fail on (src/plugins/number-literals.ts).
    useNumberLiterals(),
    // Variables checked against their definitions before the cost estimate reads them and before
    // planning: coercion failures as 400 BAD_USER_INPUT, and a Decimal given as a JSON number
    // (which JSON.parse has already rounded) refused with its path (src/plugins/variable-values.ts).
    useVariableValues(),
    // Cost of the whole operation from the supergraph's @listSize/@cost (src/plugins/cost.ts), after
    // validation and before planning: a refusal comes before any subgraph call. extensions.cost
    // {estimated, max} on every response in development.
    useOperationCost({
      supergraphSdl: readFileSync(supergraphPath, 'utf8'),
      maxCost: limits.maxCost,
      includeExtensionMetadata: development,
    }),
    useMutationRateLimit(limits.mutationsPerMinute),
    ...(development ? [] : [useHiddenSuggestions()]),
    upstream.plugin, // after the gateway's upstreamTimeout plugin, so it sees its timeouts
  ],

  // A subgraph call is bounded (per call, and by the request's deadline); past the deadline the
  // gateway answers 503 itself. upstream.plugin turns a failed call into SUBGRAPH_UNAVAILABLE nulls.
  upstreamTimeout: upstream.upstreamTimeout,
  requestDeadline: upstream.requestDeadlineMs,

  // The subgraphs verify the same token again (defence in depth); the built-in request-id plugin
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

  // The gateway's spans (src/telemetry.ts), with the provider set up above.
  ...(tracing ? { openTelemetry: openTelemetryOptions } : {}),
});
