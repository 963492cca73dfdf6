// Production hides the schema: besides introspection (the gateway's `disableIntrospection`), no
// "Did you mean ...?" in any error.
import type { GatewayPlugin } from '@graphql-hive/gateway';

import { forEachError } from './results.js';

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
