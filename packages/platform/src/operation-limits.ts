import {
  GraphQLError,
  type ASTNode,
  type ASTVisitor,
  type OperationDefinitionNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Config } from './config';

/** The guard that refused an operation, as clients read it in `extensions.limit`. */
export type OperationLimit = 'tokens' | 'depth' | 'aliases' | 'directives' | 'cost';

/** Limits on the shape of a document: checked by a validation rule, before anything is planned or executed. */
export interface ShapeLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
}

const describe: Record<OperationLimit, (found: string, max: number) => string> = {
  tokens: (_found, max) => `The operation is longer than the limit of ${max} tokens`,
  depth: (found, max) => `The operation nests fields ${found} deep, more than the limit of ${max}`,
  aliases: (found, max) => `The operation uses ${found} aliases, more than the limit of ${max}`,
  directives: (found, max) => `The operation uses ${found} directives, more than the limit of ${max}`,
  cost: (found, max) => `The operation's cost ${found} is over the limit of ${max}`,
};

/**
 * The refusal of every guard: GRAPHQL_VALIDATION_FAILED with HTTP 400, naming the limit in the
 * message and in `extensions` (`limit`, `max`), so a client can tell which one it hit.
 */
export function limitExceeded(limit: OperationLimit, max: number, found?: number, nodes?: readonly ASTNode[], detail = ''): GraphQLError {
  const shown = found === undefined ? '' : Number.isFinite(found) && found < 1e15 ? String(Math.round(found)) : 'too large to count';
  return new GraphQLError(`${describe[limit](shown, max)}${detail}.`, {
    nodes,
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit, max, http: { status: 400 } },
  });
}

/** What one executable definition contributes, its fragment spreads not yet followed. */
interface Tally {
  depth: number;
  aliases: number;
  directives: number;
  /** Each spread with the field depth it sits at. */
  spreads: Array<{ name: string; at: number }>;
}
type Totals = Omit<Tally, 'spreads'>;
const ZERO: Totals = { depth: 0, aliases: 0, directives: 0 };
const newTally = (): Tally => ({ depth: 0, aliases: 0, directives: 0, spreads: [] });

const combine = (tally: Tally, fragments: ReadonlyMap<string, Totals>): Totals => {
  const totals = { depth: tally.depth, aliases: tally.aliases, directives: tally.directives };
  for (const spread of tally.spreads) {
    // An unknown fragment or one in a cycle counts as empty: the spec rules report those.
    const f = fragments.get(spread.name) ?? ZERO;
    totals.depth = Math.max(totals.depth, spread.at + f.depth);
    // Counted per spread: a fragment spread twice at different places is resolved twice.
    totals.aliases += f.aliases;
    totals.directives += f.directives;
  }
  return totals;
};

/**
 * Each fragment's totals, its spreads followed. Iterative (post-order with an explicit stack):
 * a document is attacker input, and a chain of thousands of fragments must not overflow the stack.
 */
function fragmentTotals(fragments: ReadonlyMap<string, Tally>): Map<string, Totals> {
  const done = new Map<string, Totals>();
  const open = new Set<string>();
  for (const start of fragments.keys()) {
    const stack = [start];
    while (stack.length) {
      const name = stack[stack.length - 1]!;
      const tally = fragments.get(name);
      if (done.has(name) || !tally) {
        stack.pop();
        continue;
      }
      if (!open.has(name)) {
        open.add(name);
        for (const spread of tally.spreads) if (!done.has(spread.name) && !open.has(spread.name)) stack.push(spread.name);
        continue;
      }
      stack.pop();
      done.set(name, combine(tally, done));
    }
  }
  return done;
}

/** `__schema` and `__type` are bounded by graphql-js' MaxIntrospectionDepthRule, and by the schema's size. */
const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/**
 * Refuses operations over the depth, alias and directive limits. One pass over the document
 * with the other validation rules (graphql-js' `visit` is iterative, so a document nested a
 * thousand levels does not overflow the stack here); fragments are followed once each.
 */
export function shapeLimitsRule(limits: ShapeLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const operations: Array<[OperationDefinitionNode, Tally]> = [];
    const fragments = new Map<string, Tally>();
    let current = newTally();
    let level = 0;
    return {
      OperationDefinition(node) {
        current = newTally();
        level = 0;
        operations.push([node, current]);
      },
      FragmentDefinition(node) {
        current = newTally();
        level = 0;
        fragments.set(node.name.value, current);
      },
      Field: {
        enter(node) {
          if (INTROSPECTION_ROOTS.has(node.name.value)) return false;
          level++;
          current.depth = Math.max(current.depth, level);
          if (node.alias) current.aliases++;
          return undefined;
        },
        leave() {
          level--;
        },
      },
      Directive() {
        current.directives++;
      },
      FragmentSpread(node) {
        current.spreads.push({ name: node.name.value, at: level });
      },
      Document: {
        leave() {
          const resolved = fragmentTotals(fragments);
          for (const [node, tally] of operations) {
            const totals = combine(tally, resolved);
            if (totals.depth > limits.maxDepth) context.reportError(limitExceeded('depth', limits.maxDepth, totals.depth, [node]));
            if (totals.aliases > limits.maxAliases)
              context.reportError(limitExceeded('aliases', limits.maxAliases, totals.aliases, [node]));
            if (totals.directives > limits.maxDirectives)
              context.reportError(limitExceeded('directives', limits.maxDirectives, totals.directives, [node]));
          }
        },
      },
    };
  };
}

/** The gateway's limits on what clients send. */
export const gatewayShapeLimits = (config: Config): ShapeLimits => ({
  maxDepth: config.GRAPHQL_MAX_DEPTH,
  maxAliases: config.GRAPHQL_MAX_ALIASES,
  maxDirectives: config.GRAPHQL_MAX_DIRECTIVES,
});

/**
 * A subgraph's own limits (defense in depth: subgraphs listen on their own ports), derived from
 * the gateway's so that raising those never makes subgraphs refuse the gateway's fetches: an
 * entity fetch nests one level deeper than the client's fields (`_entities`), and the query
 * planner may alias fields it cannot merge or repeat a client's directives.
 */
export const subgraphShapeLimits = (config: Config): ShapeLimits => ({
  maxDepth: config.GRAPHQL_MAX_DEPTH + 2,
  maxAliases: 2 * config.GRAPHQL_MAX_ALIASES + 10,
  maxDirectives: 2 * config.GRAPHQL_MAX_DIRECTIVES + 10,
});
