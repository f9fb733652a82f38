import {
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export interface CostOptions {
  /** Items assumed for a list field without a `first`/`last` argument. */
  defaultListSize: number;
}

const PAGE_ARGUMENTS = new Set(['first', 'last']);
const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/**
 * The worst case of fields an operation resolves: every field counts once per parent object; a
 * list field multiplies what it selects by its `first`/`last` argument, else by the default list
 * size; a connection's `first` sizes the lists right under it (`edges`, `nodes`). Computed per
 * request because `first: $n` is known only with the variables. Recursion is bounded: this runs
 * on validated documents, whose depth the depth limit has already capped.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
  options: CostOptions,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const defaults = new Map<string, ValueNode>();
  for (const v of operation.variableDefinitions ?? []) if (v.defaultValue) defaults.set(v.variable.name.value, v.defaultValue);
  // A fragment's cost depends only on the page size it inherits: computed once per pair.
  const fragmentCosts = new Map<string, number>();

  const pageSize = (field: FieldNode): number | undefined => {
    const arg = field.arguments?.find((a) => PAGE_ARGUMENTS.has(a.name.value));
    if (!arg) return undefined;
    const value =
      arg.value.kind === Kind.VARIABLE
        ? (variables[arg.value.name.value] ?? literal(defaults.get(arg.value.name.value)))
        : literal(arg.value);
    return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, value) : undefined;
  };

  const fieldCost = (field: FieldNode, parent: GraphQLNamedType | undefined, inheritedPage: number | undefined): number => {
    if (INTROSPECTION_ROOTS.has(field.name.value)) return 0;
    const definition = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[field.name.value] : undefined;
    if (!definition || !field.selectionSet) return 1;
    const type = getNullableType(definition.type);
    const own = pageSize(field);
    if (isListType(type))
      return 1 + (own ?? inheritedPage ?? options.defaultListSize) * selectionsCost(field.selectionSet, getNamedType(type), undefined);
    return 1 + selectionsCost(field.selectionSet, getNamedType(type), own);
  };

  const selectionsCost = (set: SelectionSetNode, parent: GraphQLNamedType | undefined, page: number | undefined): number => {
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) cost += fieldCost(selection, parent, page);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        cost += selectionsCost(selection.selectionSet, type, page);
      } else {
        const key = `${selection.name.value}\n${page ?? ''}`;
        let spread = fragmentCosts.get(key);
        if (spread === undefined) {
          const fragment = fragments.get(selection.name.value);
          // Zero while computing: a cycle (refused by validation anyway) cannot recurse forever.
          fragmentCosts.set(key, 0);
          spread = fragment ? selectionsCost(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), page) : 0;
          fragmentCosts.set(key, spread);
        }
        cost += spread;
      }
    }
    return cost;
  };

  const root = schema.getRootType(operation.operation) ?? undefined;
  return selectionsCost(operation.selectionSet, root, undefined);
}

const literal = (value: ValueNode | undefined): unknown => (value?.kind === Kind.INT ? Number.parseInt(value.value, 10) : undefined);
