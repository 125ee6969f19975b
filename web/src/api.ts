import { print } from "@0no-co/graphql.web";
import type { TadaDocumentNode } from "gql.tada";

/**
 * Why a request failed. `unreachable`: no answer, or the server says it is in trouble (5xx): worth
 * retrying later. `refused`: the server answered with an error about the request itself.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly kind: "unreachable" | "refused",
  ) {
    super(message);
  }
}

interface GraphQLBody<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** POSTs one document to this origin's /graphql as JSON (which Apollo's CSRF prevention accepts). */
export async function request<Result, Variables>(
  document: TadaDocumentNode<Result, Variables>,
  variables: Variables,
  signal?: AbortSignal,
): Promise<Result> {
  let response: Response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
      body: JSON.stringify({ query: print(document), variables }),
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError("the service cannot be reached", "unreachable");
  }
  let body: GraphQLBody<Result> | undefined;
  try {
    body = (await response.json()) as GraphQLBody<Result>;
  } catch (error) {
    if (signal?.aborted) throw error;
  }
  const message = body?.errors?.[0]?.message;
  if (response.status >= 500 || !body) {
    throw new ApiError(message ?? `the service answered HTTP ${response.status}`, "unreachable");
  }
  if (body.errors?.length || !body.data) throw new ApiError(message ?? "the service sent no data", "refused");
  return body.data;
}
