import { type Agent, request } from "node:http";

/** What the service answered to one GraphQL request: the HTTP status and the parsed JSON body. */
export interface GraphqlResponse {
  status: number;
  body: { data?: any; errors?: any[] };
}

export interface GraphqlRequestOptions {
  /** Extra request headers, e.g. `authorization`. */
  headers?: Record<string, string>;
  /** Which operation of a document with several to run. */
  operationName?: string;
}

/**
 * POSTs one operation as JSON to `${url}/graphql` and parses the answer. For what a test checks
 * about HTTP itself (GET, response headers, content types, hang-ups), use fetch.
 */
export async function graphql(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  { headers = {}, operationName }: GraphqlRequestOptions = {},
): Promise<GraphqlResponse> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, operationName, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphqlResponse["body"] };
}

/** What one request over a chosen agent came to: an HTTP answer, or the code of the socket error that ended it. */
export type Outcome = { status: number; connection: string | undefined; body: any } | { error: string };

/**
 * POSTs one operation to `${url}/graphql` through `agent` (node:http, so that a test chooses how
 * connections are kept and reused, as a real client does); a socket error is an outcome, not a throw.
 */
export function graphqlVia(
  agent: Agent,
  url: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(
      `${url}/graphql`,
      { method: "POST", agent, headers: { "content-type": "application/json" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            connection: res.headers.connection,
            body: JSON.parse(Buffer.concat(chunks).toString()),
          }),
        );
        res.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end(JSON.stringify({ query, variables }));
  });
}
