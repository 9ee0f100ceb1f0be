/**
 * A validation rule that bounds what one GraphQL document can make a pod do: how deeply selections
 * nest and how many fields it selects in all. Both are measured with fragments expanded, because a few
 * fragments that each spread the next twice describe an exponentially large query in a short text.
 * Each fragment is measured once (memoised), so measuring stays linear in the document's size.
 *
 * Introspection fields (`__schema`, `__type`) do not count: their shape is fixed by GraphQL, their cost
 * is bounded by the schema, and a standard introspection query nests deeper than any data query needs.
 * (Who may introspect at all is the introspection rule's business.)
 */
import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export interface QueryLimits {
  /** Greatest nesting of selections (a top-level field is depth 1). */
  readonly maxDepth: number;
  /** Most fields selected, counting every field once per place it is reached through fragments. */
  readonly maxSelections: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 12, maxSelections: 1000 };

interface Measure {
  readonly depth: number;
  readonly selections: number;
}

const NOTHING: Measure = { depth: 0, selections: 0 };
const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/** Sums and maxima saturate, so a hostile document cannot push the numbers past exactness. */
const add = (a: number, b: number): number => Math.min(a + b, Number.MAX_SAFE_INTEGER);

class DocumentMeasurer {
  private readonly fragments = new Map<string, Measure>();
  private readonly inProgress = new Set<string>();

  constructor(private readonly getFragment: (name: string) => FragmentDefinitionNode | null | undefined) {}

  selectionSet(node: SelectionSetNode | undefined): Measure {
    if (!node) return NOTHING;
    let depth = 0;
    let selections = 0;
    for (const selection of node.selections) {
      const measure = this.selection(selection);
      depth = Math.max(depth, measure.depth);
      selections = add(selections, measure.selections);
    }
    return { depth, selections };
  }

  private selection(node: SelectionSetNode['selections'][number]): Measure {
    switch (node.kind) {
      case Kind.FIELD: {
        if (INTROSPECTION_ROOTS.has(node.name.value)) return NOTHING;
        const inner = this.selectionSet(node.selectionSet);
        return { depth: inner.depth + 1, selections: add(inner.selections, 1) };
      }
      case Kind.INLINE_FRAGMENT:
        return this.selectionSet(node.selectionSet);
      case Kind.FRAGMENT_SPREAD:
        return this.fragment(node.name.value);
    }
  }

  private fragment(name: string): Measure {
    const known = this.fragments.get(name);
    if (known) return known;
    // A cycle or an unknown fragment is another rule's error (NoFragmentCycles, KnownFragmentNames).
    if (this.inProgress.has(name)) return NOTHING;
    const definition = this.getFragment(name);
    if (!definition) return NOTHING;
    this.inProgress.add(name);
    const measure = this.selectionSet(definition.selectionSet);
    this.inProgress.delete(name);
    this.fragments.set(name, measure);
    return measure;
  }
}

function tooLarge(message: string, node: OperationDefinitionNode): GraphQLError {
  return new GraphQLError(message, { nodes: node, extensions: { code: 'BYODA_ERR_TOO_LARGE' } });
}

/** The rule, for `validate(schema, document, [...specifiedRules, queryLimitsRule()])`. */
export function queryLimitsRule(limits: QueryLimits = DEFAULT_QUERY_LIMITS): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const measurer = new DocumentMeasurer((name) => context.getFragment(name));
    return {
      OperationDefinition(node) {
        const measure = measurer.selectionSet(node.selectionSet);
        const name = node.name ? ` '${node.name.value}'` : '';
        if (measure.depth > limits.maxDepth) {
          context.reportError(
            tooLarge(
              `operation${name} nests ${measure.depth} levels deep; at most ${limits.maxDepth} are allowed`,
              node,
            ),
          );
        }
        if (measure.selections > limits.maxSelections) {
          const count =
            measure.selections >= Number.MAX_SAFE_INTEGER ? 'too many' : String(measure.selections);
          context.reportError(
            tooLarge(
              `operation${name} selects ${count} fields; at most ${limits.maxSelections} are allowed`,
              node,
            ),
          );
        }
        return false;
      },
    };
  };
}
