/**
 * Numbers and times as the viewer reads them: their locale and time zone, the quote's currency,
 * and digits that suit the magnitude (0.00000002931 stays readable, 1.2T stays short).
 */

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: string | undefined, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    numberFormats.set(key, format);
  }
  return format;
}

/** A currency format when `currency` is an ISO-like code Intl accepts, else the plain number and the code. */
function inCurrency(value: number, currency: string, options: Intl.NumberFormatOptions, locale?: string): string {
  try {
    return numberFormat(locale, { ...options, style: "currency", currency }).format(value);
  } catch {
    return `${numberFormat(locale, options).format(value)} ${currency}`;
  }
}

/** Two decimals from 1 up; below 1, four significant digits, however many zeros come first. */
export function formatPrice(value: number, currency: string, locale?: string): string {
  const options: Intl.NumberFormatOptions =
    Math.abs(value) >= 1 || value === 0
      ? { minimumFractionDigits: 2, maximumFractionDigits: 2 }
      : { minimumSignificantDigits: 4, maximumSignificantDigits: 4 };
  return inCurrency(value, currency, options, locale);
}

/** Market caps and volumes: compact, three significant digits ($1.23T, $845M). */
export function formatCompact(value: number | null, currency: string, locale?: string): string {
  if (value === null) return "–";
  return inCurrency(value, currency, { notation: "compact", maximumSignificantDigits: 3 }, locale);
}

export interface Change {
  text: string;
  direction: "up" | "down" | "flat" | "none";
}

/** A percent change with its sign always written (+1.23 %, −0.45 %), so colour is never the only cue. */
export function formatChange(percent: number | null, locale?: string): Change {
  if (percent === null) return { text: "–", direction: "none" };
  const format = numberFormat(locale, {
    style: "percent",
    signDisplay: "exceptZero",
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  const parts = format.formatToParts(percent / 100);
  const direction = parts.some((p) => p.type === "minusSign")
    ? "down"
    : parts.some((p) => p.type === "plusSign")
      ? "up"
      : "flat";
  return { text: format.format(percent / 100), direction };
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
  ["second", 1],
];

/** "5 seconds ago", "3 minutes ago", "in 2 minutes", in the largest whole unit. */
export function formatRelative(at: Date, now: Date, locale?: string): string {
  const seconds = Math.round((at.getTime() - now.getTime()) / 1000);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === "second") return format.format(Math.trunc(seconds / size), unit);
  }
  return format.format(0, "second");
}

/** The exact local time; the date too when it is not today. */
export function formatExact(at: Date, now: Date, locale?: string): string {
  const sameDay = at.toDateString() === now.toDateString();
  return new Intl.DateTimeFormat(locale, {
    ...(sameDay ? {} : { year: "numeric", month: "short", day: "numeric" }),
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZoneName: "short",
  }).format(at);
}

/** A countdown such as 4:05, or 0:00 once due. */
export function formatCountdown(until: Date, now: Date): string {
  const seconds = Math.max(0, Math.ceil((until.getTime() - now.getTime()) / 1000));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = String(seconds % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

export function formatInteger(value: number, locale?: string): string {
  return numberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}
