// The verified token's claims checked as the subgraphs check them (kit.tokens, kit.authentication),
// so the router refuses the same tokens with the same status before any planning or subgraph call:
// - `iat` later than now plus the leeway: 401 UNAUTHENTICATED (jsonwebtoken only checks `nbf`; PyJWT
//   in kit refuses an `iat` in the future);
// - no role this API knows in the roles claim (AUTH_ROLES_CLAIM, default `roles`: a list of names or
//   one space-separated string), unless AUTH_DEFAULT_ROLE gives one: 403 FORBIDDEN.
import { GraphQLError } from 'graphql';

import type { GatewayPlugin } from '@graphql-hive/gateway';

import { unauthenticated } from './authentication.js';
import type { VerifiedJwt } from './authentication.js';

/** kit.core.principal.Role: the roles the subgraphs know. */
export const ROLES = ['customer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ClaimSettings {
  leewaySeconds: number;
  /** The claim holding the roles (`cognito:groups` in AWS). */
  rolesClaim: string;
  /** The role of a token whose claim has no known role (Cognito users in no group: customer). */
  defaultRole: Role | undefined;
}

/** AUTH_DEFAULT_ROLE as kit reads it: unset or a known role; anything else stops the router. */
export function parseDefaultRole(raw: string | undefined): Role | undefined {
  if (raw === undefined) return undefined;
  if (!(ROLES as readonly string[]).includes(raw)) {
    throw new Error(`AUTH_DEFAULT_ROLE must be one of ${ROLES.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return raw as Role;
}

/** As kit.tokens._role_names: a list of names, or one space-separated string; anything else, none. */
function roleNames(claim: unknown): string[] {
  if (typeof claim === 'string') return claim.split(/\s+/).filter((name) => name !== '');
  if (Array.isArray(claim)) return claim.filter((name): name is string => typeof name === 'string');
  return [];
}

export function knownRoles(payload: Record<string, unknown>, settings: ClaimSettings): Role[] {
  const known = roleNames(payload[settings.rolesClaim]).filter((name): name is Role =>
    (ROLES as readonly string[]).includes(name),
  );
  if (known.length === 0 && settings.defaultRole !== undefined) return [settings.defaultRole];
  return known;
}

function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
}

/** Registered after useAuthenticationRequired, which has already refused a request without a token. */
export function useTokenClaims(settings: ClaimSettings): GatewayPlugin {
  return {
    onRequestParse({ serverContext }) {
      const payload = (serverContext as { jwt?: VerifiedJwt }).jwt?.payload;
      if (payload === undefined) throw unauthenticated('Authentication required.');
      const issuedAt = payload['iat'];
      if (typeof issuedAt === 'number' && issuedAt > Date.now() / 1000 + settings.leewaySeconds) {
        throw unauthenticated('The token is not valid yet: it was issued in the future.');
      }
      if (knownRoles(payload, settings).length === 0) {
        throw forbidden('The token carries no role this API knows.');
      }
    },
  };
}
