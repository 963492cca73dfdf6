// GraphiQL served entirely by the router: the page, its script, stylesheet and editor workers come
// from the pinned npm package @graphql-yoga/graphiql (router/package-lock.json), never from a CDN,
// so it works offline, behind a proxy and under a strict Content-Security-Policy.
//
// Its tabs, one per contract operation, and the gateway's `graphiql` option: tabs.ts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import type { GatewayPlugin } from '@graphql-hive/gateway';

/** Where the page's assets are served from; nothing else under it answers. */
export const ASSET_PREFIX = '/graphiql-assets/';

const ASSET_TYPES: Record<string, string> = {
  'graphiql.css': 'text/css; charset=utf-8',
  'yoga-graphiql.umd.js': 'text/javascript; charset=utf-8',
  'editor.worker.js': 'text/javascript; charset=utf-8',
  'json.worker.js': 'text/javascript; charset=utf-8',
  'graphql.worker.js': 'text/javascript; charset=utf-8',
};
/** Our asset name -> the file in the package's dist/ (the package names one worker "..bundle"). */
const ASSET_FILES: Record<string, string> = {
  'graphiql.css': 'graphiql.css',
  'yoga-graphiql.umd.js': 'yoga-graphiql.umd.js',
  'editor.worker.js': 'monacoeditorwork/editor.worker.bundle.js',
  'json.worker.js': 'monacoeditorwork/json.worker.bundle.js',
  'graphql.worker.js': 'monacoeditorwork/graphql.worker..bundle.js',
};

// The page needs inline scripts and styles (its options, React's style attributes) and its own
// origin; nothing may load from, or be sent to, anywhere else.
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function distDirectory(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@graphql-yoga/graphiql/package.json')), 'dist');
}

/** Serves the page's assets from the package (read once, kept in memory) with a CSP on the page. */
export function useGraphiQLAssets(graphqlEndpoint: string): GatewayPlugin {
  const dist = distDirectory();
  const cache = new Map<string, Uint8Array>();
  return {
    onRequest({ url, request, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(ASSET_PREFIX)) return;
      const name = url.pathname.slice(ASSET_PREFIX.length);
      const file = Object.hasOwn(ASSET_FILES, name) ? ASSET_FILES[name] : undefined;
      if (file === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) {
        endResponse(new fetchAPI.Response('Not found', { status: 404 }));
        return;
      }
      let body = cache.get(name);
      if (body === undefined) {
        body = new Uint8Array(readFileSync(join(dist, file)));
        cache.set(name, body);
      }
      endResponse(
        new fetchAPI.Response(request.method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), {
          status: 200,
          headers: {
            'Content-Type': ASSET_TYPES[name] ?? 'application/octet-stream',
            'Cache-Control': 'public, max-age=3600',
            'X-Content-Type-Options': 'nosniff',
          },
        }),
      );
    },
    onResponse({ request, response }) {
      const path = new URL(request.url, 'http://router').pathname;
      if (path.replace(/\/$/, '') === graphqlEndpoint && response.headers.get('content-type')?.startsWith('text/html')) {
        response.headers.set('Content-Security-Policy', PAGE_CSP);
        response.headers.set('X-Content-Type-Options', 'nosniff');
        response.headers.set('Referrer-Policy', 'no-referrer');
      }
    },
  };
}

/** JSON that is safe inside a <script> element: no "</script>" or "<!--" can close it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page: Yoga's GraphiQL with every asset on this origin (for the gateway's renderGraphiQL). */
export function renderGraphiQL(options: Record<string, unknown>): string {
  const title = typeof options['title'] === 'string' ? options['title'] : 'GraphiQL';
  const workers = {
    editorWorkerService: `${ASSET_PREFIX}editor.worker.js`,
    json: `${ASSET_PREFIX}json.worker.js`,
    graphql: `${ASSET_PREFIX}graphql.worker.js`,
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSET_PREFIX}graphiql.css">
</head>
<body id="body" class="no-focus-outline">
<noscript>You need to enable JavaScript to run this app.</noscript>
<div id="root">Loading ${escapeHtml(title)}...</div>
<script>
const workers = ${scriptJson(workers)};
self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_id, label) => workers[label] ?? workers.editorWorkerService };
</script>
<script src="${ASSET_PREFIX}yoga-graphiql.umd.js"></script>
<script>YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), ${scriptJson(options)});</script>
</body>
</html>
`;
}
