import type { ApolloServerPlugin } from "@apollo/server";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isLeafType,
  isListType,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type SelectionSetNode,
  type ValidationRule,
} from "graphql";
import { type ComplexityEstimator, getComplexity } from "graphql-query-complexity";
import { type Bounds, boundsMessage } from "./args/validation";
import { badUserInput } from "./errors";

export interface QueryLimits {
  maxDepth: number;
  maxComplexity: number;
}

/** Depth counts nested selections; introspection (Sandbox, codegen) is exempt. */
export function depthRule(limits: QueryLimits): ValidationRule {
  return maxDepthRule({
    n: limits.maxDepth,
    ignoreIntrospection: true,
    flattenFragments: true,
    exposeLimits: true,
    // Reported as a validation error (HTTP 400) instead of thrown (which Apollo answers with 500).
    propagateOnRejection: false,
    onReject: [
      (context, error) =>
        context?.reportError(
          new GraphQLError(
            `query too deep: ${error.message.replace(/^Syntax Error: /, "")} Select fewer nested levels.`,
          ),
        ),
    ],
  }) as unknown as ValidationRule;
}

/** Aliases one operation may use: enough for a dashboard's side-by-side reads, not for an alias bomb. */
export const MAX_ALIASES = 30;
/** Root fields one operation may select (aliases included). */
export const MAX_ROOT_FIELDS = 20;

const refuse = (message: string) => new GraphQLError(message);

/** A repeated field under many aliases multiplies the work of one request: capped per operation. */
export function aliasesRule(): ValidationRule {
  return maxAliasesRule({
    n: MAX_ALIASES,
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [
      (context, error) =>
        context?.reportError(refuse(`too many aliases: ${error.message.replace(/^Syntax Error: /, "")}`)),
    ],
  }) as unknown as ValidationRule;
}

/** Each root field is at least one trip to the database: capped per operation, fragments included. */
export function rootFieldsRule(): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const seen = new Set<string>();
      const count = (set: SelectionSetNode): number =>
        set.selections.reduce((n, selection) => {
          if (selection.kind === Kind.FIELD) return n + (selection.name.value.startsWith("__") ? 0 : 1);
          if (selection.kind === Kind.INLINE_FRAGMENT) return n + count(selection.selectionSet);
          const name = selection.name.value;
          const fragment = context.getFragment(name);
          if (!fragment || seen.has(name)) return n;
          seen.add(name);
          return n + count(fragment.selectionSet);
        }, 0);
      const fields = count(operation.selectionSet);
      if (fields > MAX_ROOT_FIELDS) {
        context.reportError(
          refuse(`too many root fields: ${fields}, at most ${MAX_ROOT_FIELDS} per operation; split the request`),
        );
      }
    },
  });
}

/** Items a list without a page size is counted as when nothing else tells (latestQuotes of every tracked asset). */
export const UNPAGED_LIST_ITEMS = 100;

/**
 * The cost model (DESIGN.md, Limits): a scalar costs 0; an object 1 (every object field is a
 * resolver call or a row); a field with a page size (`first`/`limit`) costs 1 plus its page size
 * times what each item selects; a list named by `symbols` costs one item per symbol. Page sizes are
 * range-checked here first, against the bounds their arguments declare, so `first: 100000` is the
 * client's BAD_USER_INPUT before it is ever "too complex".
 */
const costEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  checkBounds(field, args);
  // A scalar is read with its row, except at the root, where every field is a trip of its own.
  if (isLeafType(getNamedType(field.type))) return ROOT_TYPES.has(type.name) ? 1 : 0;
  const list = isListType(getNullableType(field.type));
  const item = list ? 1 + childComplexity : childComplexity;
  const size = pageSize(field, args);
  if (size !== undefined) return 1 + size * item;
  if (list && field.args.some((a) => a.name === "symbols")) {
    return 1 + (Array.isArray(args.symbols) ? args.symbols.length : UNPAGED_LIST_ITEMS) * item;
  }
  return 1 + childComplexity;
};

const ROOT_TYPES = new Set(["Query", "Mutation", "Subscription"]);

function pageSize(field: GraphQLField<unknown, unknown>, args: Record<string, unknown>): number | undefined {
  const page = field.args.find((a) => a.name === "first" || a.name === "limit");
  if (!page) return undefined;
  const value = args[page.name];
  // `args` hold the default of an omitted argument, but not of an explicit null (which the
  // resolvers read as the default too): count that as the default page size.
  return typeof value === "number" ? value : typeof page.defaultValue === "number" ? page.defaultValue : undefined;
}

function checkBounds(field: GraphQLField<unknown, unknown>, args: Record<string, unknown>): void {
  for (const arg of field.args) {
    const bounds = arg.extensions?.bounds as Bounds | undefined;
    const value = args[arg.name];
    if (bounds && typeof value === "number" && (value < bounds.min || value > bounds.max)) {
      throw badUserInput(boundsMessage(arg.name, bounds, value));
    }
  }
}

/**
 * The validation rules every operation passes, over HTTP and over WebSocket, beside GraphQL's own:
 * the limits, and no introspection when it is off.
 */
export function operationRules(limits: QueryLimits, introspection: boolean): ValidationRule[] {
  return [
    ...(introspection ? [] : [NoSchemaIntrospectionCustomRule]),
    depthRule(limits),
    aliasesRule(),
    rootFieldsRule(),
  ];
}

/** What an operation's cost is estimated from: the document, the operation chosen and its variables. */
export interface CostedOperation {
  document: DocumentNode;
  operationName: string | undefined;
  variables: Record<string, unknown> | null | undefined;
}

/**
 * Refuses an operation whose arguments are out of range (BAD_USER_INPUT, first) or whose cost is
 * over the budget (GRAPHQL_VALIDATION_FAILED), before it runs: the one check both transports apply.
 */
export function checkCost(schema: GraphQLSchema, limits: QueryLimits, operation: CostedOperation): void {
  let complexity: number;
  try {
    complexity = costOf(schema, operation);
  } catch (error) {
    // Estimating coerces the variables and checks page sizes first; a bad value is the client's.
    throw new GraphQLError((error as Error).message, {
      extensions: { code: "BAD_USER_INPUT", http: { status: 400 } },
    });
  }
  if (complexity > limits.maxComplexity) {
    throw new GraphQLError(
      `query too complex: ${complexity} points, at most ${limits.maxComplexity}; ask for smaller pages (first/limit) or fewer nested lists`,
      {
        extensions: {
          code: "GRAPHQL_VALIDATION_FAILED",
          complexity,
          maxComplexity: limits.maxComplexity,
          // The client's mistake: 400, as for the depth limit (Apollo answers 500 otherwise).
          http: { status: 400 },
        },
      },
    );
  }
}

/**
 * Costs of operations without variables, by schema, document and operation name: such a cost never
 * changes, and Apollo hands every request of the same text the same parsed document, so a
 * dashboard's repeated query is walked once. Operations with variables are costed each time.
 */
const fixedCosts = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, number>>>();

function costOf(schema: GraphQLSchema, { document, operationName, variables }: CostedOperation): number {
  const fixed = variables === null || variables === undefined || Object.keys(variables).length === 0;
  const known = fixed ? knownCosts(schema, document) : undefined;
  const remembered = known?.get(operationName ?? "");
  if (remembered !== undefined) return remembered;
  const cost = getComplexity({
    schema,
    query: document,
    variables: variables ?? {},
    operationName,
    estimators: [costEstimator],
  });
  known?.set(operationName ?? "", cost);
  return cost;
}

/** The costs remembered for a document's operations, by name. */
function knownCosts(schema: GraphQLSchema, document: DocumentNode): Map<string, number> {
  const documents = fixedCosts.get(schema) ?? new WeakMap<DocumentNode, Map<string, number>>();
  fixedCosts.set(schema, documents);
  const operations = documents.get(document) ?? new Map<string, number>();
  documents.set(document, operations);
  return operations;
}

export function complexityPlugin(schema: GraphQLSchema, limits: QueryLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation }) {
          // The operation Apollo resolved: a name that names none in the document is its error to report.
          if (!operation) return;
          checkCost(schema, limits, { document, operationName: operation.name?.value, variables: request.variables });
        },
      };
    },
  };
}
