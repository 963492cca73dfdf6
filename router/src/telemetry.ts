// OpenTelemetry, on only with an OTLP endpoint: the ADOT collector sidecar in AWS, the collector in
// docker-compose. Every request then gets a trace (HTTP, GraphQL parse/validate/execute, query plan,
// one span per subgraph call), and each subgraph request carries it in `traceparent`, so the
// subgraphs' spans join the same trace. Off, nothing below is even imported.
//
// Read here, as the OpenTelemetry SDKs name them: OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT,
// OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL, OTEL_SERVICE_NAME, OTEL_PROPAGATORS, OTEL_SDK_DISABLED;
// OTEL_RESOURCE_ATTRIBUTES and OTEL_TRACES_SAMPLER by the SDK itself.
import type { Logger } from '@graphql-hive/gateway';
import type { TextMapPropagator } from '@graphql-hive/gateway/opentelemetry/api';
import type { IdGenerator, SpanExporter } from '@opentelemetry/sdk-trace-base';

import { envText } from './env.js';

/** The gateway's own liveness and readiness probes, polled by the load balancer: never traced. */
const UNTRACED_PATHS = new Set(['/healthcheck', '/readiness']);

export function tracingRequested(): boolean {
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
  log: Logger,
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
async function xrayIdGenerator(log: Logger): Promise<IdGenerator | undefined> {
  const module = await optionalImport<{ AWSXRayIdGenerator: new () => IdGenerator }>(
    log,
    '@opentelemetry/id-generator-aws-xray',
    'trace ids are random W3C ids',
    'info',
  );
  return module && new module.AWSXRayIdGenerator();
}

/** The propagators named in OTEL_PROPAGATORS, in order ("none": no propagation at all). */
async function propagators(log: Logger): Promise<TextMapPropagator[]> {
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
        log,
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
async function otlpExporter(log: Logger): Promise<SpanExporter> {
  const protocol = envText('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? envText('OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol === undefined || protocol === 'http/protobuf') {
    const proto = await optionalImport<{ OTLPTraceExporter: new () => SpanExporter }>(
      log,
      '@opentelemetry/exporter-trace-otlp-proto',
      'exporting as http/json',
    );
    if (proto) return new proto.OTLPTraceExporter();
  } else if (protocol !== 'http/json') {
    log.warn(`OpenTelemetry: OTLP protocol ${JSON.stringify(protocol)} not supported, using http/json`);
  }
  return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
}

/** Sets up the global tracer provider the gateway's spans go to. */
export async function setUpTracing(log: Logger): Promise<void> {
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
    idGenerator: await xrayIdGenerator(log),
    spanProcessors: [new sdk.BatchSpanProcessor(await otlpExporter(log))],
  });
  openTelemetrySetup({
    log,
    contextManager: new AsyncLocalStorageContextManager(),
    propagators: await propagators(log),
    traces: { tracerProvider: provider },
  });
}

/**
 * The gateway's `openTelemetry` option: its spans, with the provider set up above, except for the
 * probes; the trace context is extracted from the client's request and injected into every subgraph
 * request (the plugin's defaults).
 */
export const openTelemetryOptions = {
  traces: {
    spans: {
      http: ({ request }: { request: Request }) => !UNTRACED_PATHS.has(new URL(request.url).pathname),
    },
  },
};
