import { CmcError, cmcErrorKind } from "./errors";
import { type CmcResponse, parseStatus } from "./schemas";

/**
 * Decides whether an HTTP answer from CMC is usable: its `status.error_code` and HTTP status must
 * both say success, and a success must be JSON with a valid `status`. Throws `CmcError` otherwise.
 * The body of a usable response is returned unchecked: each endpoint's parser checks `data`.
 */
export function readResponse(endpoint: string, httpStatus: number, text: string): CmcResponse {
  let body: unknown;
  let jsonError: string | undefined;
  try {
    body = JSON.parse(text);
  } catch (error) {
    jsonError = (error as Error).message;
  }
  const status = parseStatus(body);
  const errorCode = status?.errorCode ?? null;
  const httpOk = httpStatus >= 200 && httpStatus < 300;

  if (errorCode !== null || !httpOk) {
    throw new CmcError({
      kind: cmcErrorKind(httpStatus, errorCode),
      endpoint,
      httpStatus,
      errorCode,
      message: status?.errorMessage ?? `HTTP ${httpStatus} without a CoinMarketCap error message`,
    });
  }
  const fail = (message: string) => new CmcError({ kind: "malformed", endpoint, httpStatus, errorCode: null, message });
  if (jsonError !== undefined) throw fail(`response body is not JSON: ${jsonError}`);
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw fail("response body is not a JSON object");
  if (status === null) throw fail("response has no valid status object");
  return { endpoint, httpStatus, status, body: body as Record<string, unknown> };
}
