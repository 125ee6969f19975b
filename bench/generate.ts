import { spawnSync } from "node:child_process";
import pg from "pg";
import { NO_CMC_SOURCE, NO_CMC_URL, openServiceDatabase, ROOT, rootScripts } from "./quotegraph.ts";
import { readSettings, type Scale } from "./settings.ts";

/** The first quote of every asset; the data runs one quote a minute from here for `days` days. */
export const DATA_START = new Date("2026-01-05T00:00:00Z");

export const symbolOf = (assetNumber: number) => `A${String(assetNumber).padStart(3, "0")}`;

const log = (message: string) => console.log(`[generate] ${message}`);

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Makes sure the bench database exists, is migrated by the service's own migrations and holds
 * `scale`; loads it (again) when it holds another scale or `regenerate` is set. Returns whether it loaded.
 */
export async function prepareData(databaseUrl: string, scale: Scale, regenerate: boolean): Promise<boolean> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const current = await loadedScale(databaseUrl);
  if (!regenerate && current?.assets === scale.assets && current.days === scale.days) {
    log(`${name} already holds ${scale.assets} assets × ${scale.days} days`);
    await migrate(databaseUrl);
    await installPeerFunctions(databaseUrl);
    await recordRecentRun(databaseUrl);
    return false;
  }
  await recreate(databaseUrl, name);
  await migrate(databaseUrl);
  await load(databaseUrl, scale);
  await installPeerFunctions(databaseUrl);
  return true;
}

async function loadedScale(databaseUrl: string): Promise<{ assets: number; days: number } | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
  } catch {
    return undefined;
  }
  try {
    const { rows } = await client.query(`SELECT assets, days FROM bench.dataset WHERE complete`);
    return rows[0];
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
}

async function recreate(databaseUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: withDatabase(databaseUrl, "postgres") });
  await admin.connect();
  try {
    const ident = admin.escapeIdentifier(name);
    await admin.query(`DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${ident}`);
    log(`created database ${name}`);
  } finally {
    await admin.end();
  }
}

/** The service's migrations, as the service applies them at start (under its advisory lock). */
async function migrate(databaseUrl: string): Promise<void> {
  const database = await openServiceDatabase(databaseUrl, { migrate: true });
  await database.close();
}

/**
 * One USD quote a minute per asset, prices a geometric random walk (seeded per asset, so every
 * load of a scale holds the same numbers), every numeric column filled. Assets load two at a time,
 * each in one INSERT … SELECT over generate_series, in (asset, time) order so every index grows at its end.
 */
async function load(databaseUrl: string, scale: Scale): Promise<void> {
  const started = performance.now();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const minutes = scale.days * 1440;
  try {
    await pool.query(
      `INSERT INTO asset (cmc_id, symbol, name, slug, rank, tracked)
       SELECT g, 'A' || lpad(g::text, 3, '0'), 'Asset ' || g, 'asset-' || g, g, true FROM generate_series(1, $1::int) g`,
      [scale.assets],
    );
    const { rows: assets } = await pool.query<{ id: number; cmc_id: number }>(
      `SELECT id, cmc_id FROM asset ORDER BY id`,
    );
    let next = 0;
    let done = 0;
    const worker = async () => {
      const client = await pool.connect();
      try {
        await client.query("SET synchronous_commit = off");
        while (next < assets.length) {
          const asset = assets[next++];
          await client.query(`SELECT setseed($1)`, [asset.cmc_id / (scale.assets + 1)]);
          await client.query(
            `INSERT INTO price_quote (asset_id, convert, price, volume_24h, market_cap, percent_change_1h,
                                      percent_change_24h, percent_change_7d, circulating_supply, last_updated, ingested_at)
             SELECT $1, 'USD', round(w.price::numeric, 8),
                    round((w.price * 2.0e7 * (1.2 + sin(w.m / 1440.0)))::numeric, 2),
                    round((w.price * 1.9e7)::numeric, 2),
                    round(((random() - 0.5) * 2)::numeric, 6),
                    round(((random() - 0.5) * 10)::numeric, 6),
                    round(((random() - 0.5) * 30)::numeric, 6),
                    19000000 + w.m,
                    $2::timestamptz + w.m * interval '1 minute',
                    $2::timestamptz + w.m * interval '1 minute' + interval '20 seconds'
             FROM (
               SELECT s.m, (10 + $3::int * 7) * exp(sum(s.step) OVER (ORDER BY s.m)) AS price
               FROM (SELECT m, (random() - 0.5) * 0.004 AS step FROM generate_series(0, $4::int - 1) m) s
             ) w
             ORDER BY w.m`,
            [asset.id, DATA_START.toISOString(), asset.cmc_id, minutes],
          );
          done++;
          if (done % 10 === 0) log(`${done}/${assets.length} assets loaded (${elapsed(started)})`);
        }
      } finally {
        client.release();
      }
    };
    await Promise.all([worker(), worker()]);
    log(`VACUUM ANALYZE (${elapsed(started)})`);
    await pool.query("VACUUM ANALYZE price_quote");
    await pool.query("VACUUM ANALYZE asset");
    // The service knows this database as one of its own: its source recorded, TRACKED_SYMBOLS applied.
    await pool.query(
      `INSERT INTO service_meta (key, value) VALUES ('price_source', $1), ('tracked_symbols_seeded', 'true')
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [NO_CMC_SOURCE],
    );
  } finally {
    await pool.end();
  }
  await recordRecentRun(databaseUrl);
  rebuildRollups(databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`CREATE SCHEMA IF NOT EXISTS bench`);
  await client.query(
    `CREATE TABLE bench.dataset (assets int NOT NULL, days int NOT NULL, quotes bigint NOT NULL, seconds numeric NOT NULL, complete boolean NOT NULL)`,
  );
  const seconds = (performance.now() - started) / 1000;
  await client.query(`INSERT INTO bench.dataset VALUES ($1, $2, $3, $4, true)`, [
    scale.assets,
    scale.days,
    scale.assets * minutes,
    seconds.toFixed(1),
  ]);
  await client.end();
  log(`${(scale.assets * minutes).toLocaleString("en")} quotes loaded in ${seconds.toFixed(0)} s`);
}

/** A bulk load bypasses ingestion: a checkout with candle rollups rebuilds them the way it documents. */
function rebuildRollups(databaseUrl: string): void {
  if (!rootScripts()["rollups:rebuild"]) return;
  log("npm run rollups:rebuild");
  const result = spawnSync("npm", ["run", "--silent", "rollups:rebuild"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, CMC_BASE_URL: NO_CMC_URL, LOG_LEVEL: "warn" },
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error(`npm run rollups:rebuild failed (exit ${result.status})`);
}

/** A successful run just now: with the yearly schedule, the service makes no start-up run. */
export async function recordRecentRun(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO ingestion_run (trigger, status, started_at, finished_at, quotes_fetched, quotes_inserted)
       VALUES ('MANUAL', 'SUCCEEDED', now(), now(), 1, 1)`,
    );
  } finally {
    await client.end();
  }
}

/**
 * What a PostGraphile user writes for reads its generated schema has no field for, in schema `bench`
 * (PostGraphile exposes it beside `public`): a day's page of quotes by symbol, and candles the
 * plain way, a date_bin GROUP BY over the range with the service's bucket origin.
 */
async function installPeerFunctions(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`
      CREATE SCHEMA IF NOT EXISTS bench;
      CREATE OR REPLACE FUNCTION bench.price_history(symbol text, convert text, "from" timestamptz, "to" timestamptz)
      RETURNS SETOF public.price_quote LANGUAGE sql STABLE AS $$
        SELECT q.* FROM public.price_quote q JOIN public.asset a ON a.id = q.asset_id
        WHERE a.tracked AND upper(a.symbol) = upper($1) AND q.convert = $2
          AND q.last_updated >= $3 AND q.last_updated < $4
        ORDER BY q.last_updated DESC
      $$;
      DROP FUNCTION IF EXISTS bench.candles(text, text, interval, timestamptz, timestamptz);
      DROP TYPE IF EXISTS bench.candle;
      CREATE TYPE bench.candle AS (start timestamptz, open numeric, high numeric, low numeric, close numeric, samples int);
      CREATE FUNCTION bench.candles(symbol text, convert text, width interval, "from" timestamptz, "to" timestamptz)
      RETURNS SETOF bench.candle LANGUAGE sql STABLE AS $$
        SELECT date_bin($3, q.last_updated, timestamptz '2000-01-03T00:00:00Z'),
               (array_agg(q.price ORDER BY q.last_updated))[1], max(q.price), min(q.price),
               (array_agg(q.price ORDER BY q.last_updated DESC))[1], count(*)::int
        FROM public.price_quote q JOIN public.asset a ON a.id = q.asset_id
        WHERE a.tracked AND upper(a.symbol) = upper($1) AND q.convert = $2
          AND q.last_updated >= $4 AND q.last_updated < $5
        GROUP BY 1 ORDER BY 1
      $$;`);
  } finally {
    await client.end();
  }
}

const elapsed = (since: number) => `${((performance.now() - since) / 1000).toFixed(0)} s`;

if (import.meta.main) {
  const settings = readSettings();
  await prepareData(settings.databaseUrl, settings.scale, settings.regenerate);
}
