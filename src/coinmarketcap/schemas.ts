import { z } from "zod";
import { toDecimalString } from "./decimal";
import { CmcError } from "./errors";

/** One coin's latest quote in one currency, as stored: money and supply are exact decimal strings. */
export interface CmcQuote {
  cmcId: number;
  symbol: string;
  convert: string;
  price: string;
  volume24h: string | null;
  marketCap: string | null;
  percentChange1h: string | null;
  percentChange24h: string | null;
  percentChange7d: string | null;
  circulatingSupply: string | null;
  lastUpdated: Date;
}

/** A coin or one of its currency quotes that yielded no `CmcQuote`, and why. */
export interface CmcSkipped {
  /** Null when the entry was too broken to tell its id. */
  cmcId: number | null;
  convert?: string;
  reason: string;
}

export interface CmcQuotesResult {
  quotes: CmcQuote[];
  skipped: CmcSkipped[];
  creditCount: number;
  notice: string | null;
}

export const emptyQuotesResult = (): CmcQuotesResult => ({ quotes: [], skipped: [], creditCount: 0, notice: null });

/** Adds `part` (a later batch or attempt) to `total`. */
export function addQuotesResult(total: CmcQuotesResult, part: CmcQuotesResult): void {
  total.quotes.push(...part.quotes);
  total.skipped.push(...part.skipped);
  total.creditCount += part.creditCount;
  total.notice = part.notice ?? total.notice;
}

export interface CmcMapEntry {
  cmcId: number;
  symbol: string;
  name: string;
  slug: string;
  rank: number | null;
  isActive: boolean;
}

export interface CmcKeyInfo {
  creditLimitMonthly: number | null;
  monthlyResetAt: Date | null;
  /** Null when the plan has no daily credit limit (today's Basic plan has none). */
  creditLimitDaily: number | null;
  dailyResetAt: Date | null;
  rateLimitMinute: number | null;
  creditsUsedMonth: number | null;
  creditsLeftMonth: number | null;
  creditsUsedDay: number | null;
}

/** The `status` object every CMC response carries, normalised: no error is `errorCode: null`. */
export interface CmcStatus {
  timestamp: Date | null;
  errorCode: number | null;
  errorMessage: string | null;
  creditCount: number | null;
  notice: string | null;
}

/** A response that passed the HTTP and `status` checks; `body` is the parsed JSON object. */
export interface CmcResponse {
  endpoint: string;
  httpStatus: number;
  status: CmcStatus;
  body: Record<string, unknown>;
}

// CMC sends JSON numbers; its OpenAPI examples show numeric strings ("4.3144446875194E9"), so both are read.
const decimal = z.union([z.number(), z.string()], { message: "expected a number" }).transform((value, ctx) => {
  const text = toDecimalString(value);
  if (text === null) {
    ctx.addIssue({ code: "custom", message: `not a number: ${JSON.stringify(value).slice(0, 40)}` });
    return z.NEVER;
  }
  return text;
});

/** Amounts CMC cannot mean below zero: volume, market cap, supply. */
const amount = decimal.refine((text) => !text.startsWith("-"), { message: "must not be negative" });

/** A price is above zero: a free or negative coin is a broken entry, not a price to chart. */
const price = decimal.refine((text) => !text.startsWith("-") && text !== "0", { message: "must be above 0" });

const integer = z
  .union(
    [
      z.number(),
      z
        .string()
        .trim()
        .regex(/^-?\d+$/)
        .transform(Number),
    ],
    { message: "expected an integer" },
  )
  .pipe(z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER));

const cmcId = integer.pipe(z.number().positive());

// CMC sends 0/1 integers where the OpenAPI says boolean.
const flag = z
  .union([z.boolean(), z.literal(0), z.literal(1)], { message: "expected 0, 1, true or false" })
  .transform((value) => value === true || value === 1);

const timestamp = z.iso.datetime({ offset: true }).transform((text) => new Date(text));

const emptyToNull = (text: string | null | undefined) => (text ? text : null);

const statusSchema = z.object({
  // Informational only: a timestamp CMC garbles must not turn a good response into an error.
  timestamp: timestamp.nullish().catch(null),
  error_code: integer.nullish(),
  error_message: z.string().nullish(),
  credit_count: integer.pipe(z.number().nonnegative()).nullish(),
  notice: z.string().nullish(),
});

/** The `status` of a parsed response body, or null when there is none or it is invalid. */
export function parseStatus(body: unknown): CmcStatus | null {
  if (typeof body !== "object" || body === null || !("status" in body)) return null;
  const parsed = statusSchema.safeParse(body.status);
  if (!parsed.success) return null;
  const s = parsed.data;
  return {
    timestamp: s.timestamp ?? null,
    errorCode: s.error_code ? s.error_code : null,
    errorMessage: emptyToNull(s.error_message),
    creditCount: s.credit_count ?? null,
    notice: emptyToNull(s.notice),
  };
}

// v2 gives tag objects, v1 gave strings; tags are not stored, only tolerated.
const tagSchema = z.union([
  z.string(),
  z.looseObject({ slug: z.string().nullish(), name: z.string().nullish(), category: z.string().nullish() }),
]);

const platformSchema = z.looseObject({
  id: cmcId.nullish(),
  name: z.string().nullish(),
  symbol: z.string().nullish(),
  slug: z.string().nullish(),
  token_address: z.string().nullish(),
});

const coinSchema = z.object({
  id: cmcId,
  symbol: z.string().min(1),
  name: z.string().nullish(),
  slug: z.string().nullish(),
  is_active: flag.nullish(),
  is_fiat: flag.nullish(),
  cmc_rank: integer.nullish(),
  tags: z.array(tagSchema).nullish(),
  platform: platformSchema.nullish(),
  circulating_supply: amount.nullish(),
  last_updated: timestamp.nullish(),
  // Entries are checked one by one below, so one bad currency does not cost the others.
  quote: z.record(z.string(), z.unknown()),
});

const quoteSchema = z.object({
  price: price.nullish(),
  volume_24h: amount.nullish(),
  market_cap: amount.nullish(),
  percent_change_1h: decimal.nullish(),
  percent_change_24h: decimal.nullish(),
  percent_change_7d: decimal.nullish(),
  last_updated: timestamp.nullish(),
});

const quotesEnvelope = z.object({ data: z.record(z.string(), z.unknown()) });

export type CmcQuotesBatch = Pick<CmcQuotesResult, "quotes" | "skipped">;

/**
 * The quotes in a v2 `quotes/latest` response requested by id. Invalid coins and currency entries
 * are skipped with a reason; requested ids or currencies missing from the response are skipped too.
 * Only an invalid `data` envelope fails the whole response. `now` is this service's clock.
 */
export function parseQuotesLatest(
  response: CmcResponse,
  requestedIds: number[],
  converts: string[],
  now: Date = new Date(),
): CmcQuotesBatch {
  const envelope = quotesEnvelope.safeParse(response.body);
  if (!envelope.success) throw malformed(response, envelope.error);

  const quotes: CmcQuote[] = [];
  const skipped: CmcSkipped[] = [];
  const seen = new Set<number>();
  const entries = Object.entries(envelope.data.data);
  for (const [key, raw] of entries) {
    const coin = coinSchema.safeParse(raw);
    if (!coin.success) {
      const id = idOf(raw) ?? parseId(key);
      if (id !== null) seen.add(id);
      skipped.push({ cmcId: id, reason: `invalid coin entry: ${describe(coin.error)}` });
      continue;
    }
    const c = coin.data;
    seen.add(c.id);
    for (const convert of converts) {
      if (!Object.hasOwn(c.quote, convert)) {
        skipped.push({ cmcId: c.id, convert, reason: `no ${convert} quote in the response` });
        continue;
      }
      const quote = quoteSchema.safeParse(c.quote[convert]);
      if (!quote.success) {
        skipped.push({ cmcId: c.id, convert, reason: `invalid quote.${convert}: ${describe(quote.error)}` });
        continue;
      }
      const q = quote.data;
      if (q.price === null || q.price === undefined) {
        skipped.push({ cmcId: c.id, convert, reason: "no price (inactive coin)" });
        continue;
      }
      const lastUpdated = q.last_updated ?? c.last_updated;
      if (!lastUpdated) {
        skipped.push({ cmcId: c.id, convert, reason: "no last_updated" });
        continue;
      }
      const outOfTime = implausibleTime(lastUpdated, response.status.timestamp, now);
      if (outOfTime) {
        skipped.push({ cmcId: c.id, convert, reason: `last_updated ${lastUpdated.toISOString()} ${outOfTime}` });
        continue;
      }
      quotes.push({
        cmcId: c.id,
        symbol: c.symbol,
        convert,
        price: q.price,
        volume24h: q.volume_24h ?? null,
        marketCap: q.market_cap ?? null,
        percentChange1h: q.percent_change_1h ?? null,
        percentChange24h: q.percent_change_24h ?? null,
        percentChange7d: q.percent_change_7d ?? null,
        circulatingSupply: c.circulating_supply ?? null,
        lastUpdated,
      });
    }
  }
  // With skip_invalid=true CMC silently leaves out ids it does not know.
  for (const id of requestedIds) {
    if (!seen.has(id)) skipped.push({ cmcId: id, reason: "not in the response (unknown or invalid id)" });
  }
  return { quotes, skipped };
}

/** Before any coin had a price (Bitcoin's first block). */
const FIRST_PRICE_TIME = Date.UTC(2009, 0, 3);
/** CMC's own clock may run a little ahead of the minute it reports; more than this is not a quote. */
const FUTURE_SLACK_MS = 3_600_000;

/**
 * Why a quote's time cannot be true, or null when it can: it may not be later than CMC's time of the
 * response, nor than ours (a CMC clock gone wrong would otherwise date a quote years ahead, and
 * make it everyone's latest).
 */
function implausibleTime(lastUpdated: Date, cmcTime: Date | null, now: Date): string | null {
  if (lastUpdated.getTime() < FIRST_PRICE_TIME) return "is before 2009";
  if (cmcTime && lastUpdated.getTime() > cmcTime.getTime() + FUTURE_SLACK_MS)
    return `is after the response's time ${cmcTime.toISOString()}`;
  if (lastUpdated.getTime() > now.getTime() + FUTURE_SLACK_MS)
    return `is after this service's time ${now.toISOString()}`;
  return null;
}

const mapEntrySchema = z.object({
  id: cmcId,
  symbol: z.string().min(1),
  name: z.string(),
  slug: z.string(),
  rank: integer.nullish(),
  is_active: flag.nullish(),
});

const mapEnvelope = z.object({ data: z.array(z.unknown()) });

/** The entries of a `/v1/cryptocurrency/map` response; invalid entries are skipped with a reason. */
export function parseMap(response: CmcResponse): { entries: CmcMapEntry[]; skipped: CmcSkipped[] } {
  const envelope = mapEnvelope.safeParse(response.body);
  if (!envelope.success) throw malformed(response, envelope.error);
  const entries: CmcMapEntry[] = [];
  const skipped: CmcSkipped[] = [];
  for (const raw of envelope.data.data) {
    const entry = mapEntrySchema.safeParse(raw);
    if (!entry.success) {
      skipped.push({ cmcId: idOf(raw), reason: `invalid map entry: ${describe(entry.error)}` });
      continue;
    }
    const e = entry.data;
    entries.push({
      cmcId: e.id,
      symbol: e.symbol,
      name: e.name,
      slug: e.slug,
      rank: e.rank ?? null,
      // Unknown counts as inactive, so that a namesake CMC does mark active wins.
      isActive: e.is_active ?? false,
    });
  }
  return { entries, skipped };
}

const keyInfoEnvelope = z.object({
  data: z.object({
    plan: z
      .object({
        credit_limit_monthly: integer.nullish(),
        credit_limit_monthly_reset_timestamp: timestamp.nullish(),
        credit_limit_daily: integer.nullish(),
        credit_limit_daily_reset_timestamp: timestamp.nullish(),
        rate_limit_minute: integer.nullish(),
      })
      .nullish(),
    usage: z
      .object({
        current_day: z.object({ credits_used: integer.nullish() }).nullish(),
        current_month: z.object({ credits_used: integer.nullish(), credits_left: integer.nullish() }).nullish(),
      })
      .nullish(),
  }),
});

const DAY_MS = 86_400_000;

/** A `/v1/key/info` response. Without a daily reset timestamp, a daily limit resets at 00:00 UTC. */
export function parseKeyInfo(response: CmcResponse): CmcKeyInfo {
  const envelope = keyInfoEnvelope.safeParse(response.body);
  if (!envelope.success) throw malformed(response, envelope.error);
  const { plan, usage } = envelope.data.data;
  const creditLimitDaily = plan?.credit_limit_daily ?? null;
  // CMC's clock decides which day it is; ours only when the response has no timestamp.
  const now = response.status.timestamp ?? new Date();
  const nextUtcMidnight = new Date((Math.floor(now.getTime() / DAY_MS) + 1) * DAY_MS);
  return {
    creditLimitMonthly: plan?.credit_limit_monthly ?? null,
    monthlyResetAt: plan?.credit_limit_monthly_reset_timestamp ?? null,
    creditLimitDaily,
    dailyResetAt: plan?.credit_limit_daily_reset_timestamp ?? (creditLimitDaily === null ? null : nextUtcMidnight),
    rateLimitMinute: plan?.rate_limit_minute ?? null,
    creditsUsedMonth: usage?.current_month?.credits_used ?? null,
    creditsLeftMonth: usage?.current_month?.credits_left ?? null,
    creditsUsedDay: usage?.current_day?.credits_used ?? null,
  };
}

function malformed(response: CmcResponse, error: z.ZodError): CmcError {
  return new CmcError({
    kind: "malformed",
    endpoint: response.endpoint,
    httpStatus: response.httpStatus,
    errorCode: null,
    message: `unexpected response shape: ${describe(error)}`,
  });
}

function idOf(raw: unknown): number | null {
  return typeof raw === "object" && raw !== null && "id" in raw ? parseId(raw.id) : null;
}

function parseId(value: unknown): number | null {
  const id = cmcId.safeParse(value);
  return id.success ? id.data : null;
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}
