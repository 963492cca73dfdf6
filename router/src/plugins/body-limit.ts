// The request body size limit (ROUTER_MAX_BODY_BYTES): 413 REQUEST_TOO_LARGE above it, whether the
// body declares its length or comes chunked.
import type { GatewayPlugin } from '@graphql-hive/gateway';

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
