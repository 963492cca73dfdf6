// Authentication and hardening pieces of the gateway, wired up in gateway.config.ts.
//
// The JWT itself is verified by the gateway's `jwt` option (@graphql-mesh/plugin-jwt-auth, on top of
// @graphql-yoga/plugin-jwt and jsonwebtoken). What is here closes the gaps of its defaults so that
// the router refuses exactly like the subgraphs do (kit.tokens / kit.authentication): every refusal
// is HTTP 401 with a GraphQL error whose extensions.code is UNAUTHENTICATED, decided while the
// request is parsed, before any planning or subgraph call.
//
// Same rules as kit: RS256 or ES256 only, `kid` required and known to the issuer's JWKS, at most
// 8 KB, exp/iat/iss/aud/sub required, 30 s leeway (AUTH_LEEWAY_SECONDS).
import { GraphQLError } from 'graphql';

import { createRemoteJwksSigningKeyProvider } from '@graphql-hive/gateway';
import type {
  ExtractTokenFunction,
  GatewayPlugin,
  GetSigningKeyFunction,
  JWTAuthPluginOptions,
  Logger,
} from '@graphql-hive/gateway';
import { useRateLimiter } from '@envelop/rate-limiter';
import type { Identity } from '@envelop/rate-limiter';

const ALGORITHMS = ['RS256', 'ES256'] as const;
/** Far above any real token (Cognito's are 1-2 KB); stops a huge header before any parsing. */
const MAX_TOKEN_BYTES = 8192;

export interface AuthSettings {
  issuer: string;
  audience: string;
  jwksUrl: string;
  leewaySeconds: number;
  jwksRefreshSeconds: number;
}

/** A refusal as the subgraphs word it: 401, extensions.code UNAUTHENTICATED. */
export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: 'UNAUTHENTICATED',
      http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } },
    },
  });
}

/** The JOSE header of a compact JWS, or null when it is not one. Nothing is trusted from it yet. */
function joseHeader(token: string): Record<string, unknown> | null {
  // Three base64url parts, nothing else: Buffer's decoder would also take "+", "/" and "=", which
  // the plugin's parser then refuses with a 400 instead of our 401.
  if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) return null;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));
    return header !== null && typeof header === 'object' && !Array.isArray(header)
      ? (header as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * The bearer token of a request, checked as far as it can be without its signature: the scheme,
 * the size, the algorithm (`none` and HMAC never get further: no key confusion) and a `kid` the
 * issuer publishes. The plugin's own lookup would answer 400 for some of these and a masked 500
 * for an unknown key; here each is a 401 with a reason.
 */
function bearerToken(keys: GetSigningKeyFunction, log: Logger): ExtractTokenFunction {
  return async ({ request }) => {
    const authorization = request.headers.get('authorization');
    if (authorization === null) {
      throw unauthenticated('Authentication required: send an Authorization: Bearer <token> header.');
    }
    const match = /^Bearer +([^\s]+)$/i.exec(authorization.trim());
    if (!match?.[1]) {
      throw unauthenticated('The Authorization header must be "Bearer <token>".');
    }
    const token = match[1];
    if (token.length > MAX_TOKEN_BYTES) throw unauthenticated('The token is too large.');
    const header = joseHeader(token);
    if (header === null) throw unauthenticated('The token is malformed.');
    if (!(ALGORITHMS as readonly unknown[]).includes(header['alg'])) {
      throw unauthenticated("The token's signing algorithm is not accepted.");
    }
    const kid = header['kid'];
    if (typeof kid !== 'string' || !kid) throw unauthenticated('The token names no signing key.');
    try {
      await keys(kid); // cached: the plugin asks again for the same key right after
    } catch (error) {
      if ((error as { name?: unknown }).name === 'SigningKeyNotFoundError') {
        throw unauthenticated('The token is signed with an unknown key.');
      }
      log.warn({ error: String(error) }, "The token issuer's signing keys could not be fetched");
      throw unauthenticated("The token issuer's keys are unavailable.");
    }
    return { token, prefix: 'Bearer' };
  };
}

/** Options for the gateway's `jwt` option. */
export function jwtOptions(settings: AuthSettings, log: Logger): JWTAuthPluginOptions {
  // jwks-rsa: keys cached per kid; an unknown kid refetches the JWKS at most 10 times a minute, so
  // forged kids cannot turn the router into a load generator against the issuer.
  const keys = createRemoteJwksSigningKeyProvider({
    jwksUri: settings.jwksUrl,
    cache: true,
    cacheMaxAge: settings.jwksRefreshSeconds * 1000,
    rateLimit: true,
    jwksRequestsPerMinute: 10,
    timeout: 5000,
  });
  return {
    signingKeyProviders: [keys],
    tokenLookupLocations: [bearerToken(keys, log)],
    tokenVerification: {
      algorithms: [...ALGORITHMS],
      issuer: settings.issuer,
      audience: settings.audience,
      clockTolerance: settings.leewaySeconds,
    },
    reject: { missingToken: true, invalidToken: true },
    extendContext: 'jwt',
    // Subgraphs verify the forwarded Authorization header themselves; claims in extensions would
    // only be something they must not trust.
    forward: { payload: false, token: false },
  };
}

export interface VerifiedJwt {
  payload?: Record<string, unknown>;
}

/** Each error of a result about to be sent (a single result or a batch; streams have none here). */
function forEachError(
  result: unknown,
  visit: (error: { message: string; extensions?: unknown }) => void,
): void {
  for (const single of Array.isArray(result) ? result : [result]) {
    const errors = (single as { errors?: unknown } | null | undefined)?.errors;
    if (Array.isArray(errors)) errors.forEach(visit);
  }
}

/** The verified token's subject, or undefined. */
function subjectOf(context: unknown): string | undefined {
  const sub = (context as { jwt?: VerifiedJwt } | undefined)?.jwt?.payload?.['sub'];
  return typeof sub === 'string' && sub.trim() ? sub : undefined;
}

/**
 * Fail closed, and finish the plugin's refusals:
 * - every GraphQL request must carry a verified token with the claims kit requires (jsonwebtoken
 *   checks exp/iss/aud when present but requires none of them, nor `sub`);
 * - the plugin's own refusals (expired, bad signature, wrong issuer or audience: 401 "Unauthenticated")
 *   get extensions.code UNAUTHENTICATED and a WWW-Authenticate header like ours.
 * Registered after the `jwt` option's plugin, so its onRequestParse sees the verified token.
 */
export function useAuthenticationRequired(): GatewayPlugin {
  return {
    onRequestParse({ serverContext }) {
      const payload = (serverContext as { jwt?: VerifiedJwt }).jwt?.payload;
      if (payload === undefined) throw unauthenticated('Authentication required.');
      const missing = ['exp', 'iat'].filter((claim) => typeof payload[claim] !== 'number');
      if (subjectOf(serverContext) === undefined) missing.push('sub');
      if (missing.length > 0) {
        throw unauthenticated(`The token lacks required claims: ${missing.join(', ')}.`);
      }
    },
    onResultProcess({ result }) {
      forEachError(result, (error) => {
        const extensions = error.extensions as Record<string, unknown> | undefined;
        const http = extensions?.['http'] as
          | { status?: unknown; headers?: Record<string, string> }
          | undefined;
        if (extensions && http?.status === 401 && extensions['code'] === undefined) {
          extensions['code'] = 'UNAUTHENTICATED';
          http.headers = { ...http.headers, 'WWW-Authenticate': 'Bearer' };
        }
      });
    },
  };
}

const SUGGESTION = /Did you mean [^?]*\?/g;

/**
 * No "Did you mean ...?" in any error a client gets: the gateway's `blockFieldSuggestions` masks only
 * validation errors, and its pattern misses enum values ("Did you mean the enum value ...?"), which
 * also come back when a variable is coerced, trusted documents or not.
 */
export function useHiddenSuggestions(): GatewayPlugin {
  return {
    onResultProcess({ result }) {
      forEachError(result, (error) => {
        if (typeof error.message === 'string' && error.message.includes('Did you mean')) {
          error.message = error.message.replace(SUGGESTION, '[Suggestion hidden]');
        }
      });
    },
  };
}

function tooLarge(fetchAPI: { Response: typeof Response }, maxBytes: number): Response {
  const body = {
    errors: [
      {
        message: `The request body is larger than ${maxBytes} bytes.`,
        extensions: { code: 'REQUEST_TOO_LARGE' },
      },
    ],
  };
  return new fetchAPI.Response(JSON.stringify(body), {
    status: 413,
    headers: { 'Content-Type': 'application/json; charset=utf-8', Connection: 'close' },
  });
}

/** The body, or null as soon as it streams past `maxBytes` (the rest is then not read). */
async function readAtMost(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Buffer<ArrayBuffer> | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, size);
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
}

/**
 * Refuses a body over `maxBytes` with 413. A declared Content-Length is checked before anything else
 * runs (Node's HTTP parser never delivers more than it declares). A chunked body (no Content-Length)
 * is counted while it is read, after authentication, by the request parser, which then parses the
 * bytes read; the request object itself stays the same for every other plugin.
 */
export function useRequestBodyLimit(maxBytes: number): GatewayPlugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const declared = request.headers.get('content-length');
      if (declared !== null && !(/^\d+$/.test(declared.trim()) && Number(declared) <= maxBytes)) {
        endResponse(tooLarge(fetchAPI, maxBytes));
      }
    },
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      if (request.headers.get('content-length') !== null || request.body === null || !requestParser) return;
      setRequestParser(async (original) => {
        const bytes =
          original.body === null ? new Uint8Array(0) : await readAtMost(original.body, maxBytes);
        if (bytes === null) return tooLarge(fetchAPI, maxBytes);
        const headers = new fetchAPI.Headers(original.headers);
        headers.delete('transfer-encoding');
        return requestParser(
          new fetchAPI.Request(original.url, { method: original.method, headers, body: bytes }),
        );
      });
    },
  };
}

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

/**
 * CORS for the listed origins only (exact scheme://host[:port]); for any other origin, and when the
 * list is empty, no CORS headers at all, so browsers keep cross-origin pages out. Bearer tokens, not
 * cookies: credentials are never allowed.
 */
export function corsFor(origins: ReadonlySet<string>) {
  if (origins.size === 0) return false as const;
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (origin === null || !origins.has(origin)) return false as const;
    return {
      origin: [origin],
      methods: ['GET', 'POST'],
      credentials: false,
      exposedHeaders: ['x-request-id'],
      maxAge: 600,
    };
  };
}

/** "https://a.example, http://localhost:5173" -> the set; anything but a bare origin is refused. */
export function parseOrigins(raw: string | undefined): Set<string> {
  const origins = new Set<string>();
  for (const entry of (raw ?? '').split(',').map((item) => item.trim())) {
    if (!entry) continue;
    let parsed: URL | undefined;
    try {
      parsed = new URL(entry);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || parsed.origin !== entry || !/^https?:$/.test(parsed.protocol)) {
      throw new Error(
        `ROUTER_CORS_ORIGINS: ${JSON.stringify(entry)} is not an origin like https://app.example.com ` +
          '(scheme and host, optional port, no path or trailing slash; no wildcards)',
      );
    }
    origins.add(entry);
  }
  return origins;
}
