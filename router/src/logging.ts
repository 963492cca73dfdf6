// The gateway's logger (LOG_LEVEL, LOG_JSON, as its own default one), with what must never reach a
// log redacted: the bearer token the gateway forwards (logged with a subgraph request's headers at
// debug level) and investor data.
import { Logger } from '@graphql-hive/gateway';

/**
 * Log attributes that may carry investor data (fast-redact paths): a subgraph call's variables and
 * body (the gateway's debug logs), a subgraph's result (`data`), and the request and response the
 * HTTP executor attaches to its errors (logged when they are masked).
 */
export const INVESTOR_DATA_LOG_PATHS = [
  'variables',
  'body',
  'data',
  'extensions.request',
  'extensions.response',
  'errors[*].extensions.request',
  'errors[*].extensions.response',
  'originalError.extensions.request',
  'originalError.extensions.response',
  '*.extensions.request',
  '*.extensions.response',
];

const CREDENTIAL_LOG_PATHS = ['headers.authorization', 'headers.Authorization', 'headers["proxy-authorization"]'];

/**
 * One logger for the whole process. Not the gateway's per-request `opts.log`: on a supergraph reload
 * that one still carries the attributes of an earlier request. Each request's lines carry its
 * requestId (the x-request-id header) through the gateway's child loggers.
 */
export function redactingLogger(): Logger {
  return new Logger({
    redact: { paths: [...CREDENTIAL_LOG_PATHS, ...INVESTOR_DATA_LOG_PATHS], censor: '[redacted]' },
  });
}
