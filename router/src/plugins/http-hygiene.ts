// Malformed HTTP requests answered 400 before the gateway sees them.
//
// The hive-gateway CLI hands each Node request to @whatwg-node/server, which builds the Fetch API
// request from `http://${Host}${request-target}` before any gateway plugin runs. A target that is
// not a path (`OPTIONS *`, `GET http://evil/graphql`) or a Host that is not a host (`[`, a port above
// 65535) makes that URL throw, and whatwg-node then answers 500 with the exception's stack trace as
// the body. No plugin hook comes early enough, and the CLI offers no way to pass our own request
// listener, so this wraps the listener it installs: Node announces every server on the
// `tracing:net.server.listen:asyncStart` diagnostics channel before it listens, with its
// listeners already attached.
//
// What Node's own parser refuses (an unknown method, bad header syntax, duplicate Content-Length,
// headers over 16 KB, HTTP/1.1 without Host) never reaches a listener: Node answers 400/431 itself.
import diagnostics from 'node:diagnostics_channel';
import { Server as HttpServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** RFC 3986 authority without userinfo: a bracketed IP literal or a registered name, then a port. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::\d{1,5})?$/;

/** Why the request cannot be served, in words safe to show; undefined when it is well formed. */
export function malformation(request: Pick<IncomingMessage, 'url' | 'rawHeaders' | 'headers'>): string | undefined {
  const target = request.url ?? '';
  // Origin-form only: the router is an origin server, not a proxy (no absolute or authority form)
  // and has no server-wide OPTIONS (asterisk form).
  if (!target.startsWith('/')) return 'The request target must be a path, such as /graphql.';
  let hosts = 0;
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    if (request.rawHeaders[index]?.toLowerCase() === 'host') hosts += 1;
  }
  if (hosts > 1) return 'The request has more than one Host header.';
  const host = request.headers.host;
  if (host !== undefined && !HOST.test(host)) return 'The Host header is not a valid host name and port.';
  try {
    // The URL whatwg-node builds (HTTP/1.0 without Host gets the local address; any host works here).
    new URL(`http://${host ?? 'localhost'}${target}`);
  } catch {
    return host !== undefined
      ? 'The Host header is not a valid host name and port.'
      : 'The request target is not a valid path.';
  }
  return undefined;
}

function badRequestBody(reason: string): string {
  return JSON.stringify({ errors: [{ message: reason, extensions: { code: 'BAD_REQUEST' } }] });
}

function refuse(response: ServerResponse, reason: string): void {
  const body = badRequestBody(reason);
  response.writeHead(400, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    // Whatever body the client still sends is not read: the connection ends with this answer.
    Connection: 'close',
  });
  response.end(body);
}

/** CONNECT asks for a tunnel: without this, Node drops the connection without an answer. */
function refuseConnect(_request: IncomingMessage, socket: Duplex): void {
  const body = badRequestBody('The request target must be a path, such as /graphql.');
  socket.end(
    'HTTP/1.1 400 Bad Request\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

const guarded = new WeakSet<object>();

function guard(server: HttpServer | HttpsServer): void {
  if (guarded.has(server)) return;
  guarded.add(server);
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  for (const listener of listeners) {
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const reason = malformation(request);
      if (reason === undefined) listener(request, response);
      else refuse(response, reason);
    });
  }
  if (server.listenerCount('connect') === 0) server.on('connect', refuseConnect);
}

let installed = false;

/** From now on, every HTTP(S) server this process starts refuses malformed requests with 400. */
export function refuseMalformedHttp(): void {
  if (installed) return;
  installed = true;
  diagnostics.subscribe('tracing:net.server.listen:asyncStart', (message) => {
    const server = (message as { server?: unknown }).server;
    if (server instanceof HttpServer || server instanceof HttpsServer) guard(server);
  });
}
