// Demand control on the whole operation, before any subgraph call (ROUTER_MAX_COST).
//
// The subgraphs declare the size of every list of objects with Federation's @listSize (the size a
// large real book has, or the page asked for by `first`), and may weigh a field with @cost; both
// are composed into the supergraph. The estimate of an operation: a field costs 1 when it returns
// an object (0 for a scalar or an enum; @cost overrides), times the size of every list it sits in.
// It counts the objects of the largest answer a book of the assumed sizes gives, so a nested
// fan-out such as `portfolio { investments { portfolio { investments { ... } } } }` multiplies the
// sizes and is refused. The subgraphs estimate requests sent straight to them the same way
// (subgraphs/kit/src/kit/cost.py: keep the two in step).
//
// The gateway's own demandControl is not used: it costs each subgraph request as it is about to
// be sent (so a refusal can come after other subgraphs were called, and an entity fetch counts
// once however many entities it carries), and its default list size skips non-null lists.
import {
  GraphQLError,
  Kind,
  getNamedType,
  getOperationAST,
  isCompositeType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  valueFromASTUntyped,
} from 'graphql';
import type {
  DirectiveNode,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLField,
  GraphQLOutputType,
  GraphQLSchema,
  SelectionSetNode,
  ValueNode,
} from 'graphql';

import type { GatewayPlugin } from '@graphql-hive/gateway';

export const COST_CODE = 'COST_ESTIMATED_TOO_EXPENSIVE';

/** A list of objects without @listSize (none of ours: tests/contract checks) counts as this many. */
export const DEFAULT_LIST_SIZE = 10;

interface Sizing {
  assumedSize?: number;
  slicingArguments: string[];
  sizedFields: string[];
}

/** The @cost and @listSize annotations of a schema, by "Type.field" (and type name for @cost). */
export interface CostModel {
  fieldWeights: Map<string, number>;
  typeWeights: Map<string, number>;
  listSizes: Map<string, Sizing>;
}

function directiveArguments(directive: DirectiveNode): Record<string, unknown> {
  return Object.fromEntries((directive.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Reads the annotations from SDL: the supergraph here, a subgraph's own schema in kit. */
export function costModelFromSdl(sdl: string): CostModel {
  const model: CostModel = { fieldWeights: new Map(), typeWeights: new Map(), listSizes: new Map() };
  for (const definition of parse(sdl).definitions) {
    if (!('name' in definition) || definition.name === undefined) continue;
    const typeName = definition.name.value;
    for (const directive of ('directives' in definition ? definition.directives : undefined) ?? []) {
      if (directive.name.value === 'cost') model.typeWeights.set(typeName, Number(directiveArguments(directive)['weight']));
    }
    const fields = 'fields' in definition ? definition.fields : undefined;
    for (const field of fields ?? []) {
      if (!('directives' in field)) continue;
      const key = `${typeName}.${field.name.value}`;
      for (const directive of field.directives ?? []) {
        const args = directiveArguments(directive);
        if (directive.name.value === 'cost') {
          model.fieldWeights.set(key, Number(args['weight']));
        } else if (directive.name.value === 'listSize') {
          model.listSizes.set(key, {
            ...(typeof args['assumedSize'] === 'number' ? { assumedSize: args['assumedSize'] } : {}),
            slicingArguments: strings(args['slicingArguments']),
            sizedFields: strings(args['sizedFields']),
          });
        }
      }
    }
  }
  return model;
}

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

/** The size an argument asks for: a whole number (first) or a list's length. */
function count(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (Array.isArray(value)) return value.length;
  return undefined;
}

/** The estimated cost of the operation `operationName` of a validated `document`. */
export function estimateCost(
  schema: GraphQLSchema,
  model: CostModel,
  document: DocumentNode,
  variables: Record<string, unknown> = {},
  operationName?: string | null,
): number {
  const operation = getOperationAST(document, operationName);
  if (!operation) return 0;
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  // A fragment spread many times is costed once per sizing: linear in the document however the
  // spreads nest.
  const fragmentCosts = new Map<string, number>();

  function argumentSize(definition: GraphQLField<unknown, unknown>, node: FieldNode, name: string): number | undefined {
    const literal: ValueNode | undefined = node.arguments?.find((a) => a.name.value === name)?.value;
    if (literal !== undefined) return count(valueFromASTUntyped(literal, variables));
    return count(definition.args.find((a) => a.name === name)?.defaultValue);
  }

  function size(sizing: Sizing, definition: GraphQLField<unknown, unknown>, node: FieldNode): number {
    const given = sizing.slicingArguments
      .map((name) => argumentSize(definition, node, name))
      .filter((value): value is number => value !== undefined);
    if (given.length > 0) return Math.max(...given);
    return sizing.assumedSize ?? DEFAULT_LIST_SIZE;
  }

  function fieldCost(node: FieldNode, parent: unknown, sized: Map<string, number>): number {
    const name = node.name.value;
    // __typename and introspection cost nothing; a union has no fields of its own.
    if (name.startsWith('__') || !(isObjectType(parent) || isInterfaceType(parent))) return 0;
    const definition = parent.getFields()[name];
    if (definition === undefined) return 0;
    const key = `${parent.name}.${name}`;
    const named = getNamedType(definition.type);
    const weight =
      model.fieldWeights.get(key) ?? model.typeWeights.get(named.name) ?? (isCompositeType(named) ? 1 : 0);
    let factor = sized.get(name) ?? 1;
    let childSized = new Map<string, number>();
    const sizing = model.listSizes.get(key);
    if (sizing !== undefined) {
      const items = size(sizing, definition, node);
      if (sizing.sizedFields.length > 0) {
        childSized = new Map(sizing.sizedFields.map((field) => [field, items]));
      } else {
        factor = items;
      }
    } else if (!sized.has(name) && isList(definition.type)) {
      factor = DEFAULT_LIST_SIZE;
    }
    const children = node.selectionSet ? selectionSetCost(node.selectionSet, named, childSized) : 0;
    return factor * (weight + children);
  }

  function fragmentCost(name: string, sized: Map<string, number>): number {
    const key = `${name} ${JSON.stringify([...sized].sort())}`;
    let cost = fragmentCosts.get(key);
    if (cost === undefined) {
      fragmentCosts.set(key, 0); // a cycle (refused by validation anyway) counts nothing
      const fragment = fragments.get(name);
      cost = fragment
        ? selectionSetCost(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), sized)
        : 0;
      fragmentCosts.set(key, cost);
    }
    return cost;
  }

  function selectionSetCost(selectionSet: SelectionSetNode, parent: unknown, sized: Map<string, number>): number {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        total += fieldCost(selection, parent, sized);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition;
        const target = condition ? schema.getType(condition.name.value) : parent;
        total += selectionSetCost(selection.selectionSet, target ?? parent, sized);
      } else {
        total += fragmentCost(selection.name.value, sized);
      }
    }
    return total;
  }

  return selectionSetCost(operation.selectionSet, root, new Map());
}

export interface OperationCostOptions {
  /** The supergraph SDL, whose @cost and @listSize annotations the estimate follows. */
  supergraphSdl: string;
  maxCost: number;
  /** extensions.cost {estimated, max} on every response (the development profile). */
  includeExtensionMetadata: boolean;
}

function tooExpensive(estimated: number, max: number): GraphQLError {
  return new GraphQLError(
    `The operation is too large: its estimated cost ${estimated} is above ${max}. ` +
      'Ask for fewer nested lists or smaller pages.',
    { extensions: { code: COST_CODE, cost: { estimated, max } } },
  );
}

/** Refuses an operation whose estimate is above maxCost after validation, before planning. */
export function useOperationCost({ supergraphSdl, maxCost, includeExtensionMetadata }: OperationCostOptions): GatewayPlugin {
  const model = costModelFromSdl(supergraphSdl);
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const estimated = estimateCost(
        args.schema,
        model,
        args.document,
        (args.variableValues ?? {}) as Record<string, unknown>,
        args.operationName,
      );
      if (estimated > maxCost) {
        setResultAndStopExecution({ errors: [tooExpensive(estimated, maxCost)] });
        return;
      }
      if (!includeExtensionMetadata) return;
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result) return; // no subscriptions or @defer in this supergraph
          setResult({ ...result, extensions: { ...result.extensions, cost: { estimated, max: maxCost } } });
        },
      };
    },
  };
}
