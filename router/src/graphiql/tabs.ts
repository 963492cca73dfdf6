// GraphiQL's tabs: one per contract operation in schema/operations (the Dashboard first), each with
// variables that run against the demo data and the token of a role allowed to run it; and the
// gateway's `graphiql` option that opens them (the page itself: page.ts).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import {
  Kind,
  buildASTSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  parse,
  typeFromAST,
} from 'graphql';
import type { GraphQLInputType, GraphQLSchema, OperationDefinitionNode } from 'graphql';

export interface TabContext {
  /** The demo customer's id and one of its portfolios, when the launcher seeded them. */
  customerId?: string | undefined;
  portfolioId?: string | undefined;
  /** Headers JSON for staff-only operations, and for what a customer does with its own data. */
  staffHeaders?: string | undefined;
  customerHeaders?: string | undefined;
  today: string;
}

export interface Tab {
  query: string;
  variables?: string;
  headers?: string;
}

// Operations that only operators and admins may run (the schema's descriptions say so); every other
// operation is one a customer runs on its own data, so its tab carries the demo customer's token.
const STAFF_OPERATIONS = new Set(['Customers', 'RegisterCustomer', 'SetManualPrice', 'SetManualFxRate']);

/** Example values by argument or input-field name, for variables a newcomer can run as they are. */
function exampleScalar(name: string, typeName: string, context: TabContext): unknown {
  switch (name) {
    case 'customerId':
      return context.customerId ?? 'CUSTOMER-ID';
    case 'portfolioId':
      return context.portfolioId ?? 'PORTFOLIO-ID';
    case 'id':
      return context.customerId ?? 'ID';
    case 'symbol':
      return 'AAPL';
    case 'query':
      return 'apple';
    case 'email':
      return 'newcomer@example.com';
    case 'name':
      return 'Newcomer';
    case 'toCurrency':
      return 'EUR';
    case 'country':
      return 'US';
    case 'city':
      return 'Springfield';
    case 'line1':
      return '1 Main Street';
    case 'postalCode':
      return '12345';
    case 'rate':
      return '0.92';
    case 'amount':
      return '100.00';
    case 'first':
      return 10;
    case 'expectedVersion':
      return 1;
  }
  if (name.endsWith('Currency') || name === 'currencyCode') return 'USD';
  switch (typeName) {
    case 'Decimal':
      return '1';
    case 'Date':
      return context.today;
    case 'Int':
      return 1;
    case 'Boolean':
      return false;
    default:
      return name;
  }
}

/** A value of `type` with every required field filled in; optional fields are left out. */
function exampleValue(name: string, type: GraphQLInputType, context: TabContext): unknown {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return [exampleValue(name, inner.ofType, context)];
  if (isInputObjectType(inner)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(inner.getFields())) {
      if (isNonNullType(field.type) && field.defaultValue === undefined) {
        value[field.name] = exampleValue(field.name, field.type, context);
      }
    }
    return value;
  }
  if (isEnumType(inner)) return inner.getValues()[0]?.value;
  return exampleScalar(name, getNamedType(inner).name, context);
}

function exampleVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  context: TabContext,
): Record<string, unknown> {
  const variables: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.type.kind !== Kind.NON_NULL_TYPE || definition.defaultValue !== undefined) continue;
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (type !== undefined) {
      variables[definition.variable.name.value] = exampleValue(definition.variable.name.value, type, context);
    }
  }
  return variables;
}

/**
 * One tab per operation file, the Dashboard first and the rest by name. A file that does not parse
 * or names no operation is left out (the schema gate reports it; the IDE still opens).
 */
export function contractTabs(operationsDirectory: string, supergraphSdl: string, context: TabContext): Tab[] {
  // The supergraph's input types are the API's (none is @inaccessible), so no API transform is needed.
  const schema = buildASTSchema(parse(supergraphSdl), { assumeValid: true, assumeValidSDL: true });
  const files = readdirSync(operationsDirectory)
    .filter((file) => file.endsWith('.graphql'))
    .sort((a, b) => (a === 'Dashboard.graphql' ? -1 : b === 'Dashboard.graphql' ? 1 : a.localeCompare(b)));
  const tabs: Tab[] = [];
  for (const file of files) {
    const query = readFileSync(join(operationsDirectory, file), 'utf8');
    let operation: OperationDefinitionNode | undefined;
    try {
      operation = parse(query).definitions.find(
        (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
      );
    } catch {
      continue;
    }
    if (operation === undefined) continue;
    const staff = STAFF_OPERATIONS.has(operation.name?.value ?? '');
    const headers = (staff ? context.staffHeaders : context.customerHeaders) ?? context.staffHeaders;
    tabs.push({
      query,
      variables: JSON.stringify(exampleVariables(schema, operation, context), null, 2),
      ...(headers !== undefined ? { headers } : {}),
    });
  }
  return tabs;
}

/**
 * The gateway's `graphiql` option: the contract tabs, the first (the Dashboard) in the editors on
 * opening. The page is served without a token; its requests carry `context.staffHeaders` (the
 * launcher's operator token), not kept in the browser's storage, so a reload picks up the
 * launcher's current tokens.
 */
export function graphiqlOptions(operationsDirectory: string, supergraphSdl: string, context: TabContext) {
  const tabs = contractTabs(operationsDirectory, supergraphSdl, context);
  const headers = context.staffHeaders;
  return {
    title: 'Portfolio supergraph',
    defaultTabs: tabs,
    ...(tabs[0] !== undefined ? { query: tabs[0].query, variables: tabs[0].variables } : {}),
    ...(headers !== undefined ? { headers, defaultHeaders: headers, shouldPersistHeaders: false } : {}),
  };
}
