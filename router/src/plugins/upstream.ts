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
//
// The errors of a failed call and the nulls they point at: unavailable.ts.
import type { GatewayPlugin } from '@graphql-hive/gateway';

import { isResult, isUnavailableError, pointedAtNulls, unavailable, withRootFields } from './unavailable.js';
import type { GatewayResult, SubgraphRequest } from './unavailable.js';

/** Time kept at the end of a request's deadline to assemble and send what the subgraphs gave. */
export const ANSWER_RESERVE_MS = 300;

/** Error codes of the gateway's HTTP executor and timeout for a call that got no GraphQL answer. */
const UNREACHABLE_CODES = new Set(['SUBREQUEST_HTTP_ERROR', 'GATEWAY_TIMEOUT', 'RESPONSE_VALIDATION_FAILED']);

export interface UpstreamSettings {
  /** One subgraph call at most this long. */
  upstreamTimeoutMs: number;
  /** The whole request at most this long (the gateway answers 503 past it). */
  requestDeadlineMs: number;
}

type Executor = (request: SubgraphRequest) => unknown;

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

function extensionsOf(error: unknown): Record<string, unknown> {
  const extensions = (error as { extensions?: unknown } | null)?.extensions;
  return typeof extensions === 'object' && extensions !== null ? (extensions as Record<string, unknown>) : {};
}
