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
 * page exists.
 */
export function pageOf<TRow, TNode>(
  rows: readonly TRow[],
  size: number,
  node: (row: TRow) => TNode,
  cursor: (row: TRow) => string,
): { edges: { cursor: string; node: TNode }[]; nodes: TNode[]; pageInfo: PageInfo } {
  const edges = rows.slice(0, size).map((row) => ({ cursor: cursor(row), node: node(row) }));
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
