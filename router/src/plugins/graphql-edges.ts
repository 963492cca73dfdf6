// GraphQL requests at the edges of what the gateway's defaults handle, each answered cleanly.
import { GraphQLError, parse, print } from 'graphql';
import type { ValidationRule } from 'graphql';

import type { GatewayPlugin } from '@graphql-hive/gateway';

function badRequest(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
}

/**
 * Request parsing fails as a 400 BAD_REQUEST that names no exception:
 * - malformed JSON in the `variables` or `extensions` of a GET (or form-encoded POST) is a bare
 *   SyntaxError in Yoga's parser, which the masking then turns into a 500;
 * - a malformed JSON body is a 400 whose extensions carry the parser's exception class and message
 *   (`originalError`): the message stays, the exception does not.
 * Registered after the authentication plugins: their onRequestParse hooks refuse a request without
 * a valid token first, so nothing of the body is parsed for an anonymous caller.
 */
export function useCleanRequestParsing(): GatewayPlugin {
  return {
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          if (error instanceof GraphQLError) {
            // Yoga marks its 400 as `spec`, to be dropped to 200 for application/json; but a request
            // that cannot be parsed at all is a 400 for every media type (GraphQL over HTTP).
            const { originalError: _exception, ...extensions } = error.extensions as Record<string, unknown>;
            const http = extensions['http'] as { status?: unknown } | undefined;
            const status = typeof http?.status === 'number' ? http.status : 400;
            throw new GraphQLError(error.message, { extensions: { ...extensions, http: { status } } });
          }
          throw badRequest('The request is malformed: `variables` and `extensions` must be JSON objects.');
        }
      });
    },
  };
}

/**
 * The October 2021 GraphQL spec's string escapes, `\u{1F4B0}` and escaped surrogate pairs such as
 * `\uD83D\uDCB0`: graphql-js 16 reads them, but the Rust query planner, which plans from the
 * document's text, does not (a 500 "Failed to parse query"). A document using them is reprinted by
 * graphql-js, which writes those characters literally, before anything else reads it. A parse error
 * is left alone: the normal parse reports it, with the token limit applied.
 */
const NEW_STYLE_ESCAPE = /\\u(?:\{|[dD][89abAB])/;

export function useCanonicalStringEscapes(maxTokens: number): GatewayPlugin {
  return {
    onParams({ params, setParams }) {
      const query = params.query;
      if (typeof query !== 'string' || !NEW_STYLE_ESCAPE.test(query)) return;
      let printed: string;
      try {
        printed = print(parse(query, { maxTokens, noLocation: true }));
      } catch {
        return;
      }
      setParams({ ...params, query: printed });
    },
  };
}

/**
 * The operation types the supergraph has (graphql-js 17's KnownOperationTypesRule): ours has no
 * Subscription type, and a `subscription` operation otherwise reaches the query planner and fails
 * there as a 500. Refused at validation, with GRAPHQL_VALIDATION_FAILED like any invalid document.
 */
const knownOperationTypes: ValidationRule = (context) => ({
  OperationDefinition(node) {
    const schema = context.getSchema();
    const root =
      node.operation === 'query'
        ? schema.getQueryType()
        : node.operation === 'mutation'
          ? schema.getMutationType()
          : schema.getSubscriptionType();
    if (!root) {
      context.reportError(
        new GraphQLError(`The ${node.operation} operation is not supported by the schema.`, { nodes: node }),
      );
    }
  },
});

export function useKnownOperationTypes(): GatewayPlugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(knownOperationTypes);
    },
  };
}
