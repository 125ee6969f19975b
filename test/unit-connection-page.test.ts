// The page types are type-graphql classes: their decorators need the metadata API.
import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { pageOf } from "../src/graphql/types/connection.type";

describe("pageOf: a Relay page from rows read with one more than the page size", () => {
  const rows = [{ id: 1 }, { id: 2 }, { id: 3 }];
  const encoded: number[] = [];
  const cursor = (row: { id: number }) => {
    encoded.push(row.id);
    return `c${row.id}`;
  };
  const node = (row: { id: number }) => ({ n: row.id });

  it("gives the page's nodes and, from the extra row, whether another page follows", () => {
    expect(pageOf(rows, 2, node, cursor)).toMatchObject({
      nodes: [{ n: 1 }, { n: 2 }],
      pageInfo: { hasNextPage: true, endCursor: "c2" },
    });
    expect(pageOf(rows, 3, node, cursor).pageInfo).toEqual({ hasNextPage: false, endCursor: "c3" });
    expect(pageOf([], 3, node, cursor)).toMatchObject({
      nodes: [],
      edges: [],
      pageInfo: { hasNextPage: false, endCursor: null },
    });
  });

  it("encodes one cursor for nodes and pageInfo, and one per row only once edges are read (once)", () => {
    encoded.length = 0;
    const page = pageOf(rows, 2, node, cursor);
    expect(page.nodes).toHaveLength(2);
    expect(page.pageInfo.endCursor).toBe("c2");
    expect(encoded).toEqual([2]);
    expect(page.edges).toEqual([
      { cursor: "c1", node: { n: 1 } },
      { cursor: "c2", node: { n: 2 } },
    ]);
    // An edge's node is the same object as in nodes, and a second read builds nothing again.
    expect(page.edges[1].node).toBe(page.nodes[1]);
    expect(encoded).toEqual([2, 1, 2]);
  });
});
