// Authentication: a valid bearer JWT on every GraphQL request, checked while the request is parsed
// (before validation, planning or any subgraph call).
//
// The JWT itself is verified by the gateway's `jwt` option (@graphql-mesh/plugin-jwt-auth, on top of
// @graphql-yoga/plugin-jwt and jsonwebtoken). What is here closes the gaps of its defaults so that
// the router refuses exactly like the subgraphs do (kit.web.tokens / kit.web.authentication): every
// refusal is HTTP 401 with a GraphQL error whose extensions.code is UNAUTHENTICATED.
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

import { forEachError } from './results.js';

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

/** The verified token's subject, or undefined. */
export function subjectOf(context: unknown): string | undefined {
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
