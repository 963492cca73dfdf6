// Cross-origin access (ROUTER_CORS_ORIGINS, the gateway's `cors` option): the listed origins only.

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
