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
//   OTEL_EXPORTER_OTLP_ENDPOINT
//                            turns tracing on (OTLP/HTTP export); unset (the default), it is off.
//                            With it: OTEL_SERVICE_NAME (default "router"), OTEL_PROPAGATORS (default
//                            "tracecontext,baggage"; "xray" too), OTEL_EXPORTER_OTLP_PROTOCOL
//                            (http/protobuf or http/json), OTEL_RESOURCE_ATTRIBUTES,
//                            OTEL_TRACES_SAMPLER, OTEL_SDK_DISABLED=true (off again)
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
