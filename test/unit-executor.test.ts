import { createHash } from "node:crypto";
import {
  type ExecutionResult,
  GraphQLError,
  GraphQLID,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  Kind,
  type OperationDefinitionNode,
  parse,
} from "graphql";
import { describe, expect, it } from "vitest";
import { compilingGateway, HOT_AFTER } from "../src/graphql/executor";

type Context = { calls: string[] };

/** Which executor called a resolver: graphql-js's `execute` is on the stack, compiled code is not. */
const by = (context: Context) =>
  context.calls.push(/graphql[\\/]execution[\\/]execute/.test(new Error().stack ?? "") ? "graphql-js" : "compiled");

/** Plain fields, arguments, a client's error, an internal error and a null where none may be. */
function testSchema(): GraphQLSchema {
  const rows = [
    { id: "1", name: "one", price: 1.5 },
    { id: "2", name: "two", price: 2.5 },
    { id: "3", name: "three", price: 3.5 },
  ];
  const Item = new GraphQLObjectType({
    name: "Item",
    fields: {
      id: { type: new GraphQLNonNull(GraphQLID) },
      name: { type: GraphQLString },
      price: { type: GraphQLString },
      missing: { type: new GraphQLNonNull(GraphQLString), resolve: () => null },
    },
  });
  return new GraphQLSchema({
    query: new GraphQLObjectType({
      name: "Query",
      fields: {
        items: {
          type: new GraphQLList(Item),
          args: { first: { type: GraphQLInt, defaultValue: 3 } },
          resolve: async (_root, args: { first: number }, context: Context) => {
            by(context);
            return rows.slice(0, args.first);
          },
        },
        item: {
          type: Item,
          resolve: (_root, _args, context: Context) => {
            by(context);
            return rows[0];
          },
        },
        refused: {
          type: GraphQLString,
          resolve: (_root, _args, context: Context) => {
            by(context);
            throw new GraphQLError("no such thing", { extensions: { code: "BAD_USER_INPUT" } });
          },
        },
        broken: {
          type: GraphQLString,
          resolve: async (_root, _args, context: Context) => {
            by(context);
            throw new Error("connection reset");
          },
        },
      },
    }),
    mutation: new GraphQLObjectType({
      name: "Mutation",
      fields: {
        touch: {
          type: GraphQLString,
          resolve: (_root, _args, context: Context) => {
            by(context);
            return "ok";
          },
        },
      },
    }),
  });
}

/** What Apollo Server hands the gateway's executor for one request. */
function requestFor(schema: GraphQLSchema, source: string, variables: Record<string, unknown> = {}) {
  const document = parse(source);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  return {
    request: { query: source, variables },
    schema,
    context: { calls: [] as string[] },
    queryHash: createHash("sha256").update(source).digest("hex"),
    document,
    source,
    operationName: operation.name?.value ?? null,
    operation,
  };
}

async function executorFor(schema: GraphQLSchema) {
  const { executor } = await compilingGateway(schema).load({ apollo: { key: "", keyHash: "", graphRef: "" } } as never);
  if (!executor) throw new Error("the gateway gave no executor");
  return (source: string, variables?: Record<string, unknown>) => {
    const request = requestFor(schema, source, variables);
    return executor(request as never).then((result) => ({ result, calls: request.context.calls }));
  };
}

/** The answer as a client would see it: errors as their JSON, plus what each error wraps. */
const seen = (result: ExecutionResult) => ({
  data: result.data,
  errors: result.errors?.map((e) => ({
    json: e.toJSON(),
    graphQLError: e instanceof GraphQLError,
    original: e.originalError?.message,
  })),
});

describe("compilingGateway", () => {
  const schema = testSchema();

  it.each([
    ["plain fields and a list", `{ items { id name price } }`],
    ["a resolver's client error (code kept)", `{ items { id } refused }`],
    ["a resolver's internal error (no code)", `{ broken }`],
    ["null in a non-null field (propagates to the parent)", `{ item { id missing } }`],
    ["arguments and variables", `query Q($n: Int) { items(first: $n) { id } }`],
    ["aliases and fragments", `{ a: items(first: 1) { ...F } b: item { ...F } } fragment F on Item { id name }`],
  ])("answers %s the same once the document is compiled", async (_name, source) => {
    const run = await executorFor(schema);
    const answers = [];
    for (let i = 0; i < HOT_AFTER + 1; i++) answers.push(await run(source, { n: 2 }));
    const [first, ...compiled] = answers;
    // graphql-js answers a document until it is hot; graphql-jit's code from then on.
    expect(first.calls.every((by) => by === "graphql-js")).toBe(true);
    expect(compiled.at(-1)?.calls.every((by) => by === "compiled")).toBe(true);
    for (const answer of compiled) expect(seen(answer.result)).toEqual(seen(first.result));
  });

  it("leaves introspection and mutations to graphql-js", async () => {
    const run = await executorFor(schema);
    for (let i = 0; i < HOT_AFTER + 2; i++) {
      expect((await run(`mutation { touch }`)).calls).toEqual(["graphql-js"]);
      const introspection = await run(`{ __type(name: "Item") { name } item { id } }`);
      expect(introspection.result.data).toEqual({ __type: { name: "Item" }, item: { id: "1" } });
    }
  });

  it("answers an operationName that names no operation with graphql-js's error", async () => {
    const { executor } = await compilingGateway(schema).load({} as never);
    const request = { ...requestFor(schema, `{ item { id } }`), operation: undefined, operationName: null };
    const result = await executor?.({ ...request, request: { ...request.request, operationName: "Nope" } } as never);
    expect(result?.errors?.map((e) => e.message)).toEqual(['Unknown operation named "Nope".']);
  });

  it("refuses bad variables as graphql-js does", async () => {
    const run = await executorFor(schema);
    const answers = [];
    for (let i = 0; i < HOT_AFTER + 1; i++)
      answers.push(seen((await run(`query Q($n: Int) { items(first: $n) { id } }`, { n: "x" })).result));
    expect(answers[0].errors?.[0].json.message).toContain('Variable "$n" got invalid value "x"');
    for (const answer of answers) expect(answer).toEqual(answers[0]);
  });
});
