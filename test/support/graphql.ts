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
