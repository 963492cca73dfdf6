// The client's variable values, checked against the operation's variable definitions after
// validation and before planning or any subgraph call. A refusal is a request error with
// extensions.code BAD_USER_INPUT and HTTP 400 (200 for an `application/json` client, as GraphQL over
// HTTP prescribes for a variable coercion failure), one error per problem:
//
// - GraphQL's own coercion (getVariableValues): a null for a non-null type, an Int beyond 32 bits,
//   an unknown enum value, a list or a string for an input object... The runtime coerces them too,
//   but only after planning, and its errors carry no code.
// - Decimal positions take a JSON string only. JSON.parse turns every number into a double before
//   any plugin sees it: 1E+1000100 becomes Infinity (forwarded as null, so a nullable field reads as
//   "unchanged"), 1E-1000100 becomes 0, and 12345678901234567890 loses its last digits. What the
//   client wrote cannot be recovered, so a number (or a boolean, list or object) at a Decimal
//   position, at any depth of the input types, is refused with its path. A literal in the document
//   (`quantity: 10`) is not a variable: number-literals.ts judges those.
import {
  GraphQLError,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isInputObjectType,
  isListType,
  isNonNullType,
  typeFromAST,
} from 'graphql';
import type { ASTNode, GraphQLInputType, GraphQLSchema, OperationDefinitionNode } from 'graphql';

import type { GatewayPlugin } from '@graphql-hive/gateway';

export const BAD_USER_INPUT = 'BAD_USER_INPUT';

/** The scalar whose values are decimal numbers written as JSON strings (the contract's Decimal). */
export const DECIMAL_SCALAR = 'Decimal';

/** At most this many errors in one answer: a huge list of wrong values does not make a huge answer. */
export const MAX_VARIABLE_ERRORS = 20;

/** `nodes`: the variable's definition, whose location the error points at (as GraphQL's own do). */
function badUserInput(message: string, nodes: readonly ASTNode[] | ASTNode | undefined): GraphQLError {
  return new GraphQLError(message, {
    ...(nodes !== undefined ? { nodes } : {}),
    extensions: { code: BAD_USER_INPUT, http: { status: 400, spec: true } },
  });
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'number') return 'a number';
  return `a ${typeof value}`;
}

/** Walks a variable's value along its input type; reports each Decimal position not given a string. */
function decimalProblems(
  type: GraphQLInputType,
  value: unknown,
  path: string,
  report: (path: string, value: unknown) => void,
): void {
  if (value === null || value === undefined) return; // nullability is GraphQL's coercion's to judge
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    // A single value where a list is expected is coerced to a list of one, as in GraphQL.
    if (!Array.isArray(value)) return decimalProblems(inner.ofType, value, path, report);
    value.forEach((item, index) => decimalProblems(inner.ofType, item, `${path}[${index}]`, report));
    return;
  }
  if (isInputObjectType(inner)) {
    if (typeof value !== 'object' || Array.isArray(value)) return; // coercion refuses the shape
    const fields = inner.getFields();
    for (const [name, fieldValue] of Object.entries(value as Record<string, unknown>)) {
      const field = fields[name];
      if (field !== undefined) decimalProblems(field.type, fieldValue, `${path}.${name}`, report);
    }
    return;
  }
  if (getNamedType(inner).name === DECIMAL_SCALAR && typeof value !== 'string') report(path, value);
}

/** Every problem with the operation's variables, as coded errors (empty: the variables are fine). */
export function variableErrors(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  inputs: Record<string, unknown>,
): GraphQLError[] {
  const definitions = operation.variableDefinitions ?? [];
  const errors: GraphQLError[] = [];
  for (const definition of definitions) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type);
    if (type === undefined || !Object.hasOwn(inputs, name)) continue;
    decimalProblems(type as GraphQLInputType, inputs[name], name, (path, value) => {
      const where = path === name ? '' : ` at "${path}"`;
      errors.push(
        badUserInput(
          `Variable "$${name}"${where}: a ${DECIMAL_SCALAR} is a JSON string such as "12.50", not ${kindOf(value)}.`,
          definition,
        ),
      );
    });
  }
  const coercion = getVariableValues(schema, definitions, inputs, { maxErrors: MAX_VARIABLE_ERRORS });
  for (const error of coercion.errors ?? []) errors.push(badUserInput(error.message, error.nodes));
  return errors.slice(0, MAX_VARIABLE_ERRORS);
}

/**
 * Refuses an operation whose variables do not fit their definitions. Registered before the cost
 * limit, which reads the variables (`first: $n`), and before anything that plans or calls a subgraph.
 */
export function useVariableValues(): GatewayPlugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      // No operation to run: the executor says so itself (OPERATION_RESOLUTION_FAILURE).
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation) return;
      const inputs = args.variableValues;
      if (inputs !== undefined && inputs !== null && (typeof inputs !== 'object' || Array.isArray(inputs))) {
        return; // Yoga refuses non-object `variables` while parsing the request (400 BAD_REQUEST)
      }
      const errors = variableErrors(args.schema, operation, (inputs ?? {}) as Record<string, unknown>);
      if (errors.length > 0) setResultAndStopExecution({ errors });
    },
  };
}
