// Trusted documents: the kept contract operations (schema/operations), hashed into a manifest by
// `make schema`, are served by id; with `trustedOnly` (production's default) any other document is
// refused before validation, planning or any subgraph call.
import { readFileSync } from 'node:fs';

import type { GatewayConfig } from '@graphql-hive/gateway';

type PersistedDocumentsOptions = NonNullable<GatewayConfig<Record<string, unknown>>['persistedDocuments']>;

/** hash -> document, as the manifest holds them. */
export function readManifest(path: string): Record<string, string> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
}

/** Hive's `documentId` (GraphQL-over-HTTP, optionally "sha256:"-prefixed) or Apollo's extension. */
export function persistedDocumentId(params: { extensions?: Record<string, unknown> }): string | null {
  const documentId = (params as { documentId?: unknown }).documentId;
  if (typeof documentId === 'string' && documentId) {
    return documentId.replace(/^sha256:/, '');
  }
  const apollo = params.extensions?.['persistedQuery'] as { version?: unknown; sha256Hash?: unknown } | undefined;
  return apollo?.version === 1 && typeof apollo.sha256Hash === 'string' ? apollo.sha256Hash : null;
}

/** The gateway's `persistedDocuments` option for the manifest at `manifestPath`. */
export function trustedDocuments(manifestPath: string, trustedOnly: boolean): PersistedDocumentsOptions {
  const documents = readManifest(manifestPath);
  return {
    getPersistedOperation: (id: string) => documents[id] ?? null,
    extractPersistedOperationId: persistedDocumentId,
    allowArbitraryDocuments: !trustedOnly,
    customErrors: {
      persistedQueryOnly: {
        message: 'Only trusted documents are accepted: send a documentId from the manifest.',
        extensions: { code: 'PERSISTED_QUERY_ONLY' },
      },
      notFound: {
        message: 'Unknown documentId: it is not in the trusted documents manifest.',
        extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' },
      },
    },
  };
}
