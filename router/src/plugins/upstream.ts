// Outages of one subgraph: a bounded wait, a usable partial answer, and logs without investor data.
//
// - Every subgraph call is bounded by the gateway's own `upstreamTimeout`, at most `upstreamTimeoutMs`
//   and never past the request's budget (its `requestDeadlineMs` less a reserve to send the answer),
//   so that the calls a plan makes one after another cannot add up past the deadline.
// - A call that fails (refused, reset, timed out, or an answer that is no GraphQL response) becomes
//   null for exactly the fields that subgraph provides, each with a SUBGRAPH_UNAVAILABLE error whose
//   path points at the null, and the rest of the answer is served (HTTP 200). The fields that cross
//   to another subgraph are nullable in the schema for that reason (schema/breaking-changes-allowed.txt).
// - The failure is logged once per call with the request id and the cause, never the call's
//   variables (entity representations carry holdings and owner ids) nor any response body.
import { getOperationAST, GraphQLError, isNonNullType, Kind } from 'graphql';
import type { DocumentNode, FieldNode, GraphQLSchema, SelectionSetNode } from 'graphql';
import type { GatewayPlugin } from '@graphql-hive/gateway';

export const UNAVAILABLE_CODE = 'SUBGRAPH_UNAVAILABLE';

/** Time kept at the end of a request's deadline to assemble and send what the subgraphs gave. */
export const ANSWER_RESERVE_MS = 300;

/**
 * Log attributes that may carry investor data, redacted by the router's Logger (fast-redact paths):
 * a subgraph call's variables and body (the gateway's debug logs), a subgraph's result (`data`), and
 * the request and response the HTTP executor attaches to its errors (logged when they are masked).
 */
export const INVESTOR_DATA_LOG_PATHS = [
  'variables',
  'body',
  'data',
  'extensions.request',
  'extensions.response',
  'errors[*].extensions.request',
  'errors[*].extensions.response',
  'originalError.extensions.request',
  'originalError.extensions.response',
  '*.extensions.request',
  '*.extensions.response',
];

/** Error codes of the gateway's HTTP executor and timeout for a call that got no GraphQL answer. */
const UNREACHABLE_CODES = new Set(['SUBREQUEST_HTTP_ERROR', 'GATEWAY_TIMEOUT', 'RESPONSE_VALIDATION_FAILED']);

export interface UpstreamSettings {
  /** One subgraph call at most this long. */
  upstreamTimeoutMs: number;
  /** The whole request at most this long (the gateway answers 503 past it). */
  requestDeadlineMs: number;
}

interface SubgraphRequest {
  document: DocumentNode;
  variables?: Record<string, unknown> | undefined;
  context?: { request?: Request; log?: ContextLog } | undefined;
}

interface ContextLog {
  warn(attrs: Record<string, unknown>, message: string): void;
}

type Executor = (request: SubgraphRequest) => unknown;

interface GatewayResult {
  data?: unknown;
  errors?: readonly unknown[];
}

/**
 * The gateway's `upstreamTimeout` (per call, capped by what is left of the request's budget) and
 * the plugin that turns a failed call into SUBGRAPH_UNAVAILABLE nulls; they share the start times.
 */
export function upstreamGuard(settings: UpstreamSettings): {
  upstreamTimeout: (payload: { executionRequest?: SubgraphRequest }) => number;
  requestDeadlineMs: number;
  plugin: GatewayPlugin;
} {
  const startedAt = new WeakMap<Request, number>();
  // Subgraphs that already failed in a request: its later calls there fail at once (a plan may call
  // a subgraph twice one after the other; a hung one would take the timeout twice).
  const failedIn = new WeakMap<Request, Set<string>>();
  const budgetMs = Math.max(1, settings.requestDeadlineMs - ANSWER_RESERVE_MS);

  /** Milliseconds this subgraph call may take: its own bound, or less if the request is late. */
  function allowance(request: SubgraphRequest | undefined): number {
    const incoming = request?.context?.request;
    const started = incoming ? startedAt.get(incoming) : undefined;
    if (started === undefined) return settings.upstreamTimeoutMs;
    return Math.min(settings.upstreamTimeoutMs, budgetMs - (performance.now() - started));
  }

  const plugin: GatewayPlugin = {
    onRequest({ request }) {
      startedAt.set(request, performance.now());
    },
    // Registered after the gateway's timeout plugin, so this executor wraps it and sees its errors.
    onSubgraphExecute({ subgraphName, executor, setExecutor }) {
      const inner = executor as unknown as Executor;
      const guarded: Executor = (request) => {
        const incoming = request.context?.request;
        const failed = incoming ? failedIn.get(incoming) : undefined;
        if (failed?.has(subgraphName)) return unavailable(request, subgraphName);
        const fail = (reason: string): GatewayResult => {
          if (incoming) failedIn.set(incoming, (failedIn.get(incoming) ?? new Set<string>()).add(subgraphName));
          return unavailable(request, subgraphName, reason);
        };
        if (allowance(request) <= 0) return fail('no time left before the request deadline');
        let pending: Promise<unknown>;
        try {
          pending = Promise.resolve(inner(request));
        } catch (error) {
          return fail(causeOf(error));
        }
        return pending.then(
          (result) => {
            const reason = unreachable(result);
            return reason === undefined ? result : fail(reason);
          },
          (error: unknown) => fail(causeOf(error)),
        );
      };
      setExecutor(guarded as unknown as typeof executor);
    },
    onExecute({ args }) {
      return {
        onExecuteDone({ result, setResult }) {
          if (isResult(result) && result.errors?.some(isUnavailableError)) {
            const data = withRootFields(result.data, args.schema, args.document, args.operationName);
            setResult({ ...result, data, errors: pointedAtNulls({ ...result, data }) } as typeof result);
          }
        },
      };
    },
  };

  return {
    upstreamTimeout: ({ executionRequest }) => Math.max(1, Math.floor(allowance(executionRequest))),
    requestDeadlineMs: settings.requestDeadlineMs,
    plugin,
  };
}

// -- a failed call -------------------------------------------------------------------------------

/** Why a call's result is no answer at all, or undefined when it is one (errors included). */
function unreachable(result: unknown): string | undefined {
  if (!isResult(result) || result.data != null || !result.errors?.length) return undefined;
  const codes = result.errors.map((error) => extensionsOf(error)['code']);
  if (!codes.every((code) => typeof code === 'string' && UNREACHABLE_CODES.has(code))) return undefined;
  return causeOf(result.errors[0]);
}

/** The cause, short and without data: the message of a transport error, the status of a response. */
function causeOf(error: unknown): string {
  const extensions = extensionsOf(error);
  const code = typeof extensions['code'] === 'string' ? extensions['code'] : undefined;
  const response = extensions['response'] as { status?: unknown } | undefined;
  if (code === 'RESPONSE_VALIDATION_FAILED') {
    // Its message quotes the response body: only the status is told.
    return `no GraphQL response (HTTP ${String(response?.status ?? 'status unknown')})`;
  }
  if (code === 'GATEWAY_TIMEOUT') return 'no answer in time';
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${code}: ${message}` : message;
}

/** Errors for every field the call would have answered; logged once a request (no `reason` after). */
function unavailable(request: SubgraphRequest, subgraph: string, reason?: string): GatewayResult {
  if (reason !== undefined) {
    // The request's logger carries its request id (the gateway's request-id plugin).
    request.context?.log?.warn({ subgraph, reason }, 'Subgraph unavailable: its fields are null in the answer');
  }
  const message = `The ${subgraph} service is unavailable: the fields it provides are null. Retry later.`;
  const paths = unavailablePaths(request);
  const extensions = { code: UNAVAILABLE_CODE };
  return {
    errors: paths.length
      ? paths.map((path) => new GraphQLError(message, { path, extensions }))
      : [new GraphQLError(message, { extensions })],
  };
}

/**
 * One path per field the call would have answered, in the call's own terms: a root field, or
 * `_entities.<index>.<field>` for each entity sent. The gateway maps the latter onto the places of
 * those entities in the answer.
 */
function unavailablePaths(request: SubgraphRequest): (string | number)[][] {
  const operation = request.document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operation === undefined) return [];
  const paths: (string | number)[][] = [];
  for (const root of fieldsOf(operation.selectionSet)) {
    const key = root.alias?.value ?? root.name.value;
    const representations = root.name.value === '_entities' ? representationsOf(root, request) : undefined;
    if (representations === undefined) {
      paths.push([key]);
      continue;
    }
    const fields = fieldsOf(root.selectionSet).map((field) => field.alias?.value ?? field.name.value);
    for (let index = 0; index < representations.length; index++) {
      for (const field of fields) paths.push([key, index, field]);
    }
  }
  return paths;
}

function representationsOf(field: FieldNode, request: SubgraphRequest): unknown[] | undefined {
  const argument = field.arguments?.find((a) => a.name.value === 'representations');
  if (argument?.value.kind !== Kind.VARIABLE) return undefined;
  const value = request.variables?.[argument.value.name.value];
  return Array.isArray(value) ? value : undefined;
}

/** Fields of a selection, those inside inline fragments included; `__typename` too if asked. */
function fieldsOf(selectionSet: SelectionSetNode | undefined, typename = false): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      if (typename || selection.name.value !== '__typename') fields.push(selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      fields.push(...fieldsOf(selection.selectionSet, typename));
    }
  }
  return fields;
}

// -- the answer ------------------------------------------------------------------------------------

/**
 * SUBGRAPH_UNAVAILABLE errors pointed at the value that is null in the answer: a missing field of a
 * non-null type nulls its parent (an instrument without its name is a null instrument), so the path
 * is cut at the first null on it; then one error per path.
 */
function pointedAtNulls(result: GatewayResult): unknown[] {
  const seen = new Set<string>();
  const errors: unknown[] = [];
  for (const error of result.errors ?? []) {
    if (!isUnavailableError(error) || !error.path) {
      errors.push(error);
      continue;
    }
    const path = cutAtFirstNull(result.data, error.path);
    const key = JSON.stringify(path);
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push(new GraphQLError(error.message, { path, extensions: { code: UNAVAILABLE_CODE } }));
  }
  return errors;
}

/**
 * The answer's `data` with every root field it lacks set to null, as GraphQL answers a nullable field
 * whose resolution failed: a failed root call otherwise leaves `data` null or without that field
 * (`{"customer": null}`, not `null`). A non-null root field that failed nulls `data` itself.
 */
function withRootFields(
  data: unknown,
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
): unknown {
  const operation = getOperationAST(document, operationName);
  const rootType = operation ? schema.getRootType(operation.operation) : undefined;
  if (!operation || !rootType) return data;
  const filled: Record<string, unknown> = { ...((data ?? {}) as Record<string, unknown>) };
  for (const field of fieldsOf(operation.selectionSet, true)) {
    const key = field.alias?.value ?? field.name.value;
    if (filled[key] !== undefined) continue;
    if (field.name.value === '__typename') {
      filled[key] = rootType.name;
      continue;
    }
    const definition = rootType.getFields()[field.name.value];
    if (!definition || isNonNullType(definition.type)) return null;
    filled[key] = null;
  }
  return filled;
}

function cutAtFirstNull(data: unknown, path: readonly (string | number)[]): (string | number)[] {
  let value: unknown = data;
  for (let depth = 0; depth < path.length; depth++) {
    // A null `data` (a non-null root field failed) keeps the root field that failed.
    if (value === null || value === undefined) return path.slice(0, Math.max(depth, 1));
    const segment = path[depth] as string | number;
    // A path that does not follow the answer's shape (a list without an index): left as it is.
    if (Array.isArray(value) !== (typeof segment === 'number')) return [...path];
    value = (value as Record<string | number, unknown>)[segment];
  }
  return [...path];
}

function isUnavailableError(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError && error.extensions['code'] === UNAVAILABLE_CODE;
}

function isResult(value: unknown): value is GatewayResult {
  return typeof value === 'object' && value !== null && !(Symbol.asyncIterator in value);
}

function extensionsOf(error: unknown): Record<string, unknown> {
  const extensions = (error as { extensions?: unknown } | null)?.extensions;
  return typeof extensions === 'object' && extensions !== null ? (extensions as Record<string, unknown>) : {};
}
