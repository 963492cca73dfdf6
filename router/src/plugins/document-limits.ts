// The limits on a client's document, each refusal with its own extensions.code, like the cost
// limit's COST_ESTIMATED_TOO_EXPENSIVE and the rate limit's RATE_LIMITED:
//   MAX_TOKENS_EXCEEDED   more lexical tokens than allowed (checked while parsing, so a huge
//                         document is never fully parsed)
//   MAX_DEPTH_EXCEEDED    deeper field nesting than allowed (a fragment counts as a level)
//   MAX_ALIASES_EXCEEDED  more aliased fields than allowed, `__typename` included
// The engines are GraphQL Armor's, as behind the gateway's own `maxTokens`/`maxDepth` options, which
// only take the number: their refusals have no code, and say "Syntax Error:" for a depth or alias
// count. Depth and aliases are validation errors (HTTP 400 with application/graphql-response+json,
// 200 with application/json, as GraphQL over HTTP says); tokens a parse error.
import { GraphQLError } from 'graphql';
import type { ValidationContext } from 'graphql';

import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { GatewayPlugin } from '@graphql-hive/gateway';

export interface DocumentLimits {
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
}

/** Armor's message ("Syntax Error: Query depth limit of 10 exceeded, found 11.") without the prefix. */
function plainMessage(error: GraphQLError): string {
  return error.message.replace(/^Syntax Error: /, '');
}

/** Reports the refusal as a validation error with `code` instead of Armor's uncoded throw. */
function reportWith(code: string) {
  return (context: ValidationContext | null, error: GraphQLError): void => {
    context?.reportError(new GraphQLError(plainMessage(error), { extensions: { code } }));
  };
}

export function useDocumentLimits(limits: DocumentLimits): GatewayPlugin[] {
  const depth = maxDepthRule({
    n: limits.maxDepth,
    propagateOnRejection: false,
    onReject: [reportWith('MAX_DEPTH_EXCEEDED')],
  });
  const aliases = maxAliasesRule({
    n: limits.maxAliases,
    // Armor lets `__typename` aliases through by default; 60 of them ran. Every alias counts here.
    allowList: [],
    propagateOnRejection: false,
    onReject: [reportWith('MAX_ALIASES_EXCEEDED')],
  });
  const tokens = maxTokensPlugin({
    n: limits.maxTokens,
    // Thrown from the lexer, so parsing stops at the first token over the limit.
    onReject: [
      (_context: unknown, error: GraphQLError) => {
        throw new GraphQLError(plainMessage(error), { extensions: { code: 'MAX_TOKENS_EXCEEDED' } });
      },
    ],
  }) as GatewayPlugin;
  return [
    tokens,
    {
      onValidate({ addValidationRule }) {
        addValidationRule(depth);
        addValidationRule(aliases);
      },
    },
  ];
}
