// Hive Gateway configuration, loaded by `hive-gateway supergraph` from this directory.
//
// Query planning and execution use the Hive Router runtime (the Rust query planner shipped as an
// N-API binary in @graphql-hive/router-runtime). Every request to /graphql needs a valid bearer JWT
// (security.ts); the router refuses to start without its authentication settings.
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
//   CUSTOMERS_URL, PORTFOLIOS_URL, ASSETS_URL
//                            subgraph endpoints (default: the URLs composed into the supergraph)
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
//   is in brackets: `node measure-operations.mjs` recounts them):
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
//                            turns tracing on (OTLP/HTTP export); unset (the default), it is off.
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

import { defineConfig, Logger } from '@graphql-hive/gateway';
import type { TransportEntryAdditions, UnifiedGraphHandler } from '@graphql-hive/gateway';
import type { TextMapPropagator } from '@graphql-hive/gateway/opentelemetry/api';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import type { IdGenerator, SpanExporter } from '@opentelemetry/sdk-trace-base';

import { useOperationCost } from './src/plugins/cost.js';
import {
  corsFor,
  jwtOptions,
  parseOrigins,
  useAuthenticationRequired,
  useHiddenSuggestions,
  useMutationRateLimit,
  useRequestBodyLimit,
} from './security.js';
import type { AuthSettings } from './security.js';
import { useDocumentLimits } from './src/plugins/document-limits.js';
import {
  useCanonicalStringEscapes,
  useCleanRequestParsing,
  useKnownOperationTypes,
} from './src/plugins/graphql-edges.js';
import { refuseMalformedHttp } from './src/plugins/http-hygiene.js';
import { useNumberLiterals } from './src/plugins/number-literals.js';
import { parseDefaultRole, useTokenClaims } from './src/plugins/token-claims.js';
import { useVariableValues } from './src/plugins/variable-values.js';
import { contractTabs, renderGraphiQL, useGraphiQLAssets } from './src/graphiql.js';
import { INVESTOR_DATA_LOG_PATHS, upstreamGuard } from './src/plugins/upstream.js';

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

function envCount(name: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const raw = envText(name);
  if (raw === undefined) return fallback;
  const count = Number(raw);
  if (!/^\d+$/.test(raw) || count < min || count > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw new Error(`${name} must be a whole number ${range}, got ${JSON.stringify(raw)}`);
  }
  return count;
}

function envFlag(name: string, fallback: boolean): boolean {
  const raw = envText(name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new Error(`${name} must be "true" or "false", got ${JSON.stringify(raw)}`);
}

function envRequired(name: string): string {
  const value = envText(name);
  if (value === undefined) {
    throw new Error(`${name} is not set: the router does not run without authentication (gateway.config.ts)`);
  }
  return value;
}

// -- Profile and limits --------------------------------------------------------------------------
const PROFILES = ['production', 'development'] as const;
const profileName = envText('ROUTER_PROFILE')?.toLowerCase() ?? 'production';
if (!(PROFILES as readonly string[]).includes(profileName)) {
  throw new Error(`ROUTER_PROFILE must be "production" or "development", got ${JSON.stringify(profileName)}`);
}
const development = profileName === 'development';

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
const supergraphPath = envText('ROUTER_SUPERGRAPH_PATH') ?? fromHere('../schema/supergraph.graphql');
const trustedDocumentsOnly = envFlag('ROUTER_TRUSTED_DOCUMENTS_ONLY', !development);

// Same defaults as the gateway's own logger (LOG_LEVEL, LOG_JSON). Not `opts.log` below: on a
// supergraph reload that one still carries the attributes of an earlier request. The gateway logs
// through it too; at debug level it logs subgraph requests with their headers, so the forwarded
// bearer token is redacted, and with their variables and results, which carry investor data.
const log = new Logger({
  redact: {
    paths: [
      'headers.authorization',
      'headers.Authorization',
      'headers["proxy-authorization"]',
      ...INVESTOR_DATA_LOG_PATHS,
    ],
    censor: '[redacted]',
  },
});

/** The Rust query planner, announced in the log each time a supergraph is loaded. */
const routerRuntime: UnifiedGraphHandler = (opts) => {
  log.info('Query planning and execution: Hive Router runtime (Rust query planner)');
  return unifiedGraphHandler(opts);
};

const graphiqlEnabled = envFlag('ROUTER_GRAPHIQL', development);

/**
 * GraphiQL's preloaded headers for a token from the dev launcher (ROUTER_GRAPHIQL_TOKEN, an
 * operator's; ROUTER_GRAPHIQL_CUSTOMER_TOKEN, the demo customer's), in development only.
 */
function graphiqlHeaders(variable: string): string | undefined {
  const token = envText(variable);
  if (token === undefined) return undefined;
  if (!development) {
    throw new Error(
      `${variable} is for ROUTER_PROFILE=development only: ` + 'GraphiQL serves it to anyone who opens the page',
    );
  }
  // A JWT is base64url parts and dots; anything else has no business in the page's script.
  if (!/^[\w.~+/=-]+$/.test(token)) throw new Error(`${variable} is not a bearer token`);
  return JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2);
}
const graphiqlAuthorization = graphiqlHeaders('ROUTER_GRAPHIQL_TOKEN');
const graphiqlCustomerAuthorization = graphiqlHeaders('ROUTER_GRAPHIQL_CUSTOMER_TOKEN');

// -- OpenTelemetry -------------------------------------------------------------------------------
// On only with an OTLP endpoint: the ADOT collector sidecar in AWS, the collector in docker-compose.
// Every request then gets a trace (HTTP, GraphQL parse/validate/execute, query plan, one span per
// subgraph call), and each subgraph request carries it in `traceparent`, so the subgraphs' spans
// join the same trace. Off, nothing below is even imported.

/** The gateway's own liveness and readiness probes, polled by the load balancer: never traced. */
const UNTRACED_PATHS = new Set(['/healthcheck', '/readiness']);

function tracingRequested(): boolean {
  const endpoint = envText('OTEL_EXPORTER_OTLP_ENDPOINT') ?? envText('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  return endpoint !== undefined && envText('OTEL_SDK_DISABLED')?.toLowerCase() !== 'true';
}

/**
 * A package that may be missing, loaded only if installed: neither router/package.json nor the
 * gateway's Docker image (which bundles the OpenTelemetry API, SDK, resources, core, the async
 * context manager and the OTLP/JSON exporter) has it. `specifier` is a variable so that the type
 * check does not require it either.
 */
async function optionalImport<T>(
  specifier: string,
  instead: string,
  level: 'info' | 'warn' = 'warn',
): Promise<T | undefined> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    log[level](`OpenTelemetry: ${specifier} is not installed; ${instead}`);
    return undefined;
  }
}

/**
 * Trace ids whose first 8 hex digits are the epoch second, as X-Ray's own. Optional: X-Ray has taken
 * random W3C ids since 2023, and the collector's awsxray exporter no longer drops them (its
 * `exporter.awsxray.skiptimestampvalidation` feature gate is on by default).
 */
async function xrayIdGenerator(): Promise<IdGenerator | undefined> {
  const module = await optionalImport<{ AWSXRayIdGenerator: new () => IdGenerator }>(
    '@opentelemetry/id-generator-aws-xray',
    'trace ids are random W3C ids',
    'info',
  );
  return module && new module.AWSXRayIdGenerator();
}

/** The propagators named in OTEL_PROPAGATORS, in order ("none": no propagation at all). */
async function propagators(): Promise<TextMapPropagator[]> {
  const names = (envText('OTEL_PROPAGATORS') ?? 'tracecontext,baggage')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if (names.includes('none')) return [];
  const { W3CBaggagePropagator, W3CTraceContextPropagator } = await import('@opentelemetry/core');
  const chosen: TextMapPropagator[] = [];
  for (const name of names) {
    if (name === 'tracecontext') {
      chosen.push(new W3CTraceContextPropagator());
    } else if (name === 'baggage') {
      chosen.push(new W3CBaggagePropagator());
    } else if (name === 'xray') {
      const xray = await optionalImport<{ AWSXRayPropagator: new () => TextMapPropagator }>(
        '@opentelemetry/propagator-aws-xray',
        'no X-Amzn-Trace-Id propagation',
      );
      if (xray) chosen.push(new xray.AWSXRayPropagator());
    } else {
      log.warn(`OpenTelemetry: unknown propagator ${JSON.stringify(name)} in OTEL_PROPAGATORS, ignored`);
    }
  }
  return chosen;
}

/**
 * The OTLP/HTTP exporter for OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL: "http/protobuf" (the default, as
 * in the OpenTelemetry spec; what AWS and docker-compose set) or "http/json" (also the fallback:
 * every OTLP/HTTP receiver takes both). It reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT itself and
 * posts to {endpoint}/v1/traces.
 */
async function otlpExporter(): Promise<SpanExporter> {
  const protocol = envText('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? envText('OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol === undefined || protocol === 'http/protobuf') {
    const proto = await optionalImport<{ OTLPTraceExporter: new () => SpanExporter }>(
      '@opentelemetry/exporter-trace-otlp-proto',
      'exporting as http/json',
    );
    if (proto) return new proto.OTLPTraceExporter();
  } else if (protocol !== 'http/json') {
    log.warn(`OpenTelemetry: OTLP protocol ${JSON.stringify(protocol)} not supported, using http/json`);
  }
  return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
}

async function setUpTracing(): Promise<void> {
  const [{ openTelemetrySetup }, { AsyncLocalStorageContextManager }, sdk, resources] = await Promise.all([
    import('@graphql-hive/gateway/opentelemetry/setup'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
  ]);
  // Our own provider only for the X-Ray id generator; otherwise as `openTelemetrySetup` builds one.
  // The sampler is parent-based always-on unless OTEL_TRACES_SAMPLER says otherwise.
  const provider = new sdk.BasicTracerProvider({
    resource: resources
      .detectResources({ detectors: [resources.envDetector] })
      .merge(resources.resourceFromAttributes({ 'service.name': envText('OTEL_SERVICE_NAME') ?? 'router' })),
    idGenerator: await xrayIdGenerator(),
    spanProcessors: [new sdk.BatchSpanProcessor(await otlpExporter())],
  });
  openTelemetrySetup({
    log,
    contextManager: new AsyncLocalStorageContextManager(),
    propagators: await propagators(),
    traces: { tracerProvider: provider },
  });
}

const tracing = tracingRequested();
if (tracing) {
  await setUpTracing();
}

export const gatewayConfig = defineConfig({
  supergraph: supergraphPath,
  host: envText('ROUTER_HOST') ?? '127.0.0.1',
  port: envPort('ROUTER_PORT', 4000),

  unifiedGraphHandler: routerRuntime,
  transportEntries: subgraphLocations(),

  graphqlEndpoint: '/graphql',
  // Yoga's GraphiQL with every asset served by the router itself (src/graphiql.ts): no CDN, so it
  // works offline. One tab per contract operation, the Dashboard first.
  renderLegacyGraphiQL: false,
  renderGraphiQL: renderGraphiQL,
  graphiql: graphiqlEnabled
    ? (() => {
        const tabs = contractTabs(fromHere('../schema/operations'), readFileSync(supergraphPath, 'utf8'), {
          customerId: envText('ROUTER_DEMO_CUSTOMER_ID'),
          portfolioId: envText('ROUTER_DEMO_PORTFOLIO_ID'),
          staffHeaders: graphiqlAuthorization,
          customerHeaders: graphiqlCustomerAuthorization,
          today: new Date().toISOString().slice(0, 10),
        });
        return {
          title: 'Portfolio supergraph',
          defaultTabs: tabs,
          // The first tab (the Dashboard) is what the editors show on opening.
          ...(tabs[0] !== undefined ? { query: tabs[0].query, variables: tabs[0].variables } : {}),
          // The page is served without a token; its requests carry these. Not kept in the
          // browser's storage, so a reload picks up the launcher's current tokens.
          ...(graphiqlAuthorization !== undefined
            ? { headers: graphiqlAuthorization, defaultHeaders: graphiqlAuthorization, shouldPersistHeaders: false }
            : {}),
        };
      })()
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

  // The gateway's spans, with the provider set up above; the trace context is extracted from the
  // client's request and injected into every subgraph request (the plugin's defaults).
  ...(tracing
    ? {
        openTelemetry: {
          traces: {
            spans: {
              http: ({ request }: { request: Request }) => !UNTRACED_PATHS.has(new URL(request.url).pathname),
            },
          },
        },
      }
    : {}),
});
