// A subgraph call that failed, in the answer: null for exactly the fields that subgraph provides,
// each with a SUBGRAPH_UNAVAILABLE error whose path points at the null (upstream.ts decides when).
import { getOperationAST, GraphQLError, isNonNullType, Kind } from 'graphql';
import type { DocumentNode, FieldNode, GraphQLSchema, SelectionSetNode } from 'graphql';

export const UNAVAILABLE_CODE = 'SUBGRAPH_UNAVAILABLE';

export interface SubgraphRequest {
  document: DocumentNode;
  variables?: Record<string, unknown> | undefined;
  context?: { request?: Request; log?: ContextLog } | undefined;
}

export interface ContextLog {
  warn(attrs: Record<string, unknown>, message: string): void;
}

export interface GatewayResult {
  data?: unknown;
  errors?: readonly unknown[];
}

/** Errors for every field the call would have answered; logged once a request (no `reason` after). */
export function unavailable(request: SubgraphRequest, subgraph: string, reason?: string): GatewayResult {
  if (reason !== undefined) {
    // The request's logger carries its request id (the gateway's request-id plugin).
    request.context?.log?.warn({ subgraph, reason }, 'Subgraph unavailable: its fields are null in the answer');
  }
  const message = `The ${subgraph} service is unavailable: the fields it provides are null. Retry later.`;
  const paths = unavailablePaths(request);
  const extensions = { code: UNAVAILABLE_CODE };
  return {
    errors: paths.length
      ? paths.map((path) => new GraphQLError(message, { path, extensions }))
      : [new GraphQLError(message, { extensions })],
  };
}

/**
 * One path per field the call would have answered, in the call's own terms: a root field, or
 * `_entities.<index>.<field>` for each entity sent. The gateway maps the latter onto the places of
 * those entities in the answer.
 */
function unavailablePaths(request: SubgraphRequest): (string | number)[][] {
  const operation = request.document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operation === undefined) return [];
  const paths: (string | number)[][] = [];
  for (const root of fieldsOf(operation.selectionSet)) {
    const key = root.alias?.value ?? root.name.value;
    const representations = root.name.value === '_entities' ? representationsOf(root, request) : undefined;
    if (representations === undefined) {
      paths.push([key]);
      continue;
    }
    const fields = fieldsOf(root.selectionSet).map((field) => field.alias?.value ?? field.name.value);
    for (let index = 0; index < representations.length; index++) {
      for (const field of fields) paths.push([key, index, field]);
    }
  }
  return paths;
}

function representationsOf(field: FieldNode, request: SubgraphRequest): unknown[] | undefined {
  const argument = field.arguments?.find((a) => a.name.value === 'representations');
  if (argument?.value.kind !== Kind.VARIABLE) return undefined;
  const value = request.variables?.[argument.value.name.value];
  return Array.isArray(value) ? value : undefined;
}

/** Fields of a selection, those inside inline fragments included; `__typename` too if asked. */
function fieldsOf(selectionSet: SelectionSetNode | undefined, typename = false): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      if (typename || selection.name.value !== '__typename') fields.push(selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      fields.push(...fieldsOf(selection.selectionSet, typename));
    }
  }
  return fields;
}

// -- the answer ------------------------------------------------------------------------------------

/**
 * SUBGRAPH_UNAVAILABLE errors pointed at the value that is null in the answer: a missing field of a
 * non-null type nulls its parent (an instrument without its name is a null instrument), so the path
 * is cut at the first null on it; then one error per path.
 */
export function pointedAtNulls(result: GatewayResult): unknown[] {
  const seen = new Set<string>();
  const errors: unknown[] = [];
  for (const error of result.errors ?? []) {
    if (!isUnavailableError(error) || !error.path) {
      errors.push(error);
      continue;
    }
    const path = cutAtFirstNull(result.data, error.path);
    const key = JSON.stringify(path);
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push(new GraphQLError(error.message, { path, extensions: { code: UNAVAILABLE_CODE } }));
  }
  return errors;
}

/**
 * The answer's `data` with every root field it lacks set to null, as GraphQL answers a nullable field
 * whose resolution failed: a failed root call otherwise leaves `data` null or without that field
 * (`{"customer": null}`, not `null`). A non-null root field that failed nulls `data` itself.
 */
export function withRootFields(
  data: unknown,
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
): unknown {
  const operation = getOperationAST(document, operationName);
  const rootType = operation ? schema.getRootType(operation.operation) : undefined;
  if (!operation || !rootType) return data;
  const filled: Record<string, unknown> = { ...((data ?? {}) as Record<string, unknown>) };
  for (const field of fieldsOf(operation.selectionSet, true)) {
    const key = field.alias?.value ?? field.name.value;
    if (filled[key] !== undefined) continue;
    if (field.name.value === '__typename') {
      filled[key] = rootType.name;
      continue;
    }
    const definition = rootType.getFields()[field.name.value];
    if (!definition || isNonNullType(definition.type)) return null;
    filled[key] = null;
  }
  return filled;
}

function cutAtFirstNull(data: unknown, path: readonly (string | number)[]): (string | number)[] {
  let value: unknown = data;
  for (let depth = 0; depth < path.length; depth++) {
    // A null `data` (a non-null root field failed) keeps the root field that failed.
    if (value === null || value === undefined) return path.slice(0, Math.max(depth, 1));
    const segment = path[depth] as string | number;
    // A path that does not follow the answer's shape (a list without an index): left as it is.
    if (Array.isArray(value) !== (typeof segment === 'number')) return [...path];
    value = (value as Record<string | number, unknown>)[segment];
  }
  return [...path];
}

export function isUnavailableError(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError && error.extensions['code'] === UNAVAILABLE_CODE;
}

export function isResult(value: unknown): value is GatewayResult {
  return typeof value === 'object' && value !== null && !(Symbol.asyncIterator in value);
}
