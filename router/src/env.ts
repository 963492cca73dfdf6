// Typed readers of the router's environment variables (gateway.config.ts says which variable sets
// what). A value that is set but invalid stops the router at startup with the variable's name;
// nothing falls back silently. A variable set to blank text counts as unset.

/** The variable's value without surrounding blanks, or undefined when unset or blank. */
export function envText(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
}

export function envPort(name: string, fallback: number): number {
  const raw = envText(name);
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name} must be a TCP port number, got ${JSON.stringify(raw)}`);
  }
  return port;
}

export function envCount(name: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const raw = envText(name);
  if (raw === undefined) return fallback;
  const count = Number(raw);
  if (!/^\d+$/.test(raw) || count < min || count > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw new Error(`${name} must be a whole number ${range}, got ${JSON.stringify(raw)}`);
  }
  return count;
}

export function envFlag(name: string, fallback: boolean): boolean {
  const raw = envText(name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new Error(`${name} must be "true" or "false", got ${JSON.stringify(raw)}`);
}

/** A setting the router cannot run without: only authentication's are. */
export function envRequired(name: string): string {
  const value = envText(name);
  if (value === undefined) {
    throw new Error(`${name} is not set: the router does not run without authentication (gateway.config.ts)`);
  }
  return value;
}

const PROFILES = ['production', 'development'] as const;
export type Profile = (typeof PROFILES)[number];

/** ROUTER_PROFILE: "production" (the default) or "development". */
export function envProfile(name: string): Profile {
  const profile = envText(name)?.toLowerCase() ?? 'production';
  if (!(PROFILES as readonly string[]).includes(profile)) {
    throw new Error(`${name} must be "production" or "development", got ${JSON.stringify(profile)}`);
  }
  return profile as Profile;
}

/**
 * A bearer token for GraphiQL's preloaded headers, as JSON headers, in development only: the page is
 * served without authentication, so production refuses to start with one.
 */
export function envGraphiQLToken(name: string, development: boolean): string | undefined {
  const token = envText(name);
  if (token === undefined) return undefined;
  if (!development) {
    throw new Error(
      `${name} is for ROUTER_PROFILE=development only: ` + 'GraphiQL serves it to anyone who opens the page',
    );
  }
  // A JWT is base64url parts and dots; anything else has no business in the page's script.
  if (!/^[\w.~+/=-]+$/.test(token)) throw new Error(`${name} is not a bearer token`);
  return JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2);
}

/**
 * The subgraph URLs to override, by subgraph name: `<NAME>_URL` (CUSTOMERS_URL, ...) for every
 * subgraph the supergraph names. Unset ones keep the URL composed into the supergraph.
 */
export function envSubgraphUrls(subgraphs: readonly string[]): Record<string, { location: string }> {
  const entries: Record<string, { location: string }> = {};
  for (const subgraph of subgraphs) {
    const location = envText(`${subgraph.toUpperCase()}_URL`);
    if (location !== undefined) entries[subgraph] = { location };
  }
  return entries;
}
