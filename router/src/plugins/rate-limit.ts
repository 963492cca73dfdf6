// The mutation rate limit (ROUTER_MUTATION_RATE_LIMIT): mutation fields per verified subject per
// sliding minute; above it 429 RATE_LIMITED.
import { GraphQLError } from 'graphql';

import type { GatewayPlugin } from '@graphql-hive/gateway';
import { useRateLimiter } from '@envelop/rate-limiter';
import type { Identity } from '@envelop/rate-limiter';

import { subjectOf } from './authentication.js';

/**
 * One sliding-window bucket per subject for all mutation fields together (the store ignores which
 * field). Synchronous, so several mutation fields in one document are counted one after another.
 * Buckets idle for a whole window are dropped, at most once a window, so memory follows the active
 * subjects only.
 */
class MutationsPerSubject {
  private readonly buckets = new Map<string, readonly number[]>();
  private readonly windowMs: number;
  private sweptAt = Date.now();

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  getForIdentity(identity: Identity): readonly number[] {
    return this.buckets.get(identity.contextIdentity) ?? [];
  }

  setForIdentity(identity: Identity, timestamps: readonly number[]): void {
    const now = Date.now();
    if (now - this.sweptAt > this.windowMs) {
      this.sweptAt = now;
      for (const [subject, times] of this.buckets) {
        if ((times.at(-1) ?? 0) + this.windowMs <= now) this.buckets.delete(subject);
      }
    }
    if (timestamps.length === 0) this.buckets.delete(identity.contextIdentity);
    else this.buckets.set(identity.contextIdentity, timestamps);
  }
}

/**
 * At most `perMinute` mutation fields per verified subject (JWT `sub`) per sliding minute, over all
 * mutations together. Refused ones do not count, and get 429 with extensions.code RATE_LIMITED.
 *
 * The engine is @envelop/rate-limiter, as in the gateway's `rateLimiting` option, but that option
 * keys its buckets by the raw Authorization header (a fresh token would get a fresh bucket) and per
 * mutation field; here the key is the subject alone.
 */
export function useMutationRateLimit(perMinute: number): GatewayPlugin {
  const windowSeconds = 60;
  return useRateLimiter({
    identifyFn: (context) => subjectOf(context) ?? '',
    store: new MutationsPerSubject(windowSeconds * 1000),
    configByField: [
      {
        type: 'Mutation',
        field: '*',
        max: perMinute,
        window: `${windowSeconds}s`,
        uncountRejected: true,
      },
    ],
    transformError: () =>
      new GraphQLError(`Too many changes: at most ${perMinute} mutations a minute. Try again later.`, {
        extensions: {
          code: 'RATE_LIMITED',
          http: { status: 429, headers: { 'Retry-After': String(windowSeconds) } },
        },
      }),
  }) as GatewayPlugin;
}
