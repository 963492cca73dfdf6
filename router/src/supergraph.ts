// What the router needs to know of the supergraph it serves, beyond what the gateway reads itself.
import { Kind, parse } from 'graphql';
import type { DocumentNode, EnumTypeDefinitionNode } from 'graphql';

/**
 * The subgraphs composed into the supergraph, by the name `@join__graph(name:)` gives each: the
 * supergraph is the router's one list of them (composed from topology.toml's).
 */
export function subgraphNames(supergraph: DocumentNode | string): string[] {
  const document = typeof supergraph === 'string' ? parse(supergraph) : supergraph;
  const graphs = document.definitions.find(
    (definition): definition is EnumTypeDefinitionNode =>
      definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === 'join__Graph',
  );
  const names: string[] = [];
  for (const value of graphs?.values ?? []) {
    const directive = value.directives?.find((d) => d.name.value === 'join__graph');
    const name = directive?.arguments?.find((argument) => argument.name.value === 'name')?.value;
    if (name?.kind === Kind.STRING) names.push(name.value);
  }
  if (names.length === 0) throw new Error('the supergraph names no subgraph (no join__Graph values)');
  return names;
}
