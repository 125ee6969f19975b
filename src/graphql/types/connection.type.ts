import { type ClassType, Field, ObjectType } from "type-graphql";
import { PageInfo } from "./page-info.type";

/**
 * A Relay-style page of `Node`s: `<name>Edge` and the fields of `<name>Connection`, for a concrete
 * class to extend (type-graphql's generic types).
 */
export function Connection<TNode extends object>(name: string, Node: ClassType<TNode>) {
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class Edge {
    @Field()
    cursor: string;

    @Field(() => Node)
    node: TNode;
  }

  @ObjectType({ simpleResolvers: true })
  abstract class ConnectionType {
    @Field(() => [Edge])
    edges: Edge[];

    @Field(() => [Node])
    nodes: TNode[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;
  }
  return ConnectionType;
}

/**
 * The page answer for `rows` read with one row more than `size`: that extra row only says another
 * page exists. Edges are built when a query selects them: a query of `nodes` and `pageInfo` (a
 * chart's page of 1,000 quotes) pays for one cursor, not one per row.
 */
export function pageOf<TRow, TNode>(
  rows: readonly TRow[],
  size: number,
  node: (row: TRow) => TNode,
  cursor: (row: TRow) => string,
): { readonly edges: { cursor: string; node: TNode }[]; nodes: TNode[]; pageInfo: PageInfo } {
  const page = rows.slice(0, size);
  const nodes = page.map(node);
  const last = page.at(-1);
  let edges: { cursor: string; node: TNode }[] | undefined;
  return {
    get edges() {
      edges ??= page.map((row, i) => ({ cursor: cursor(row), node: nodes[i] }));
      return edges;
    },
    nodes,
    pageInfo: { hasNextPage: rows.length > size, endCursor: last === undefined ? null : cursor(last) },
  };
}
