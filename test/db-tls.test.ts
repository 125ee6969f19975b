import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config";
import { openDatabase } from "../src/db/data-source";
import { quietLogger } from "./support/database";
import { startTlsPostgres, type TlsPostgres } from "./support/tls";

type Env = Record<string, string>;

/**
 * DB_SSL against a PostgreSQL that accepts TLS only, with a certificate for `localhost` (and no
 * IP address) from a CA made by the test: the service's own config and openDatabase, real connections.
 */
describe("DB_SSL against a TLS-only PostgreSQL with a self-made CA", () => {
  let server: TlsPostgres;
  /** Every error openDatabase threw in this file, checked for the password at the end. */
  const thrown: Error[] = [];

  beforeAll(async () => {
    server = await startTlsPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** The seed's variable names: DB_HOST, DB_PORT, DB_USER, DB_PASS, DB_NAME. */
  const byParts = (host: string, tls: Env, password = server.password): Env => ({
    NODE_ENV: "test",
    DB_HOST: host,
    DB_PORT: String(server.port),
    DB_USER: server.user,
    DB_PASS: password,
    DB_NAME: server.database,
    ...tls,
  });
  const byUrl = (host: string, tls: Env, password = server.password): Env => ({
    NODE_ENV: "test",
    DATABASE_URL: `postgres://${server.user}:${encodeURIComponent(password)}@${host}:${server.port}/${server.database}`,
    ...tls,
  });

  /** Connects as the service does and tells whether this session is encrypted, per pg_stat_ssl. */
  async function sessionTls(env: Env): Promise<{ ssl: boolean; version: string | null }> {
    const database = await openDatabase(loadConfig(env), quietLogger);
    try {
      const rows: { ssl: boolean; version: string | null }[] = await database.dataSource.query(
        "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
      );
      expect(rows).toHaveLength(1);
      return rows[0] as { ssl: boolean; version: string | null };
    } finally {
      await database.close();
    }
  }

  /** The error openDatabase throws; a connection that succeeds fails the test. */
  async function refusal(env: Env): Promise<Error> {
    let database: Awaited<ReturnType<typeof openDatabase>> | undefined;
    try {
      database = await openDatabase(loadConfig(env), quietLogger);
    } catch (error) {
      expect(error).toBeInstanceOf(Error);
      thrown.push(error as Error);
      return error as Error;
    }
    await database.close();
    throw new Error("connected, but the connection should have been refused");
  }

  it("verify-full with our CA and the certified host name connects, encrypted (DB_HOST/DB_PORT/DB_USER/DB_PASS/DB_NAME)", async () => {
    const session = await sessionTls(
      byParts(server.certifiedHost, { DB_SSL: "verify-full", DB_SSL_CA: server.caPath }),
    );
    expect(session.ssl).toBe(true);
    expect(session.version).toMatch(/^TLSv1\.[23]$/);
  });

  it("verify-full with our CA and the certified host name connects, encrypted (DATABASE_URL)", async () => {
    const session = await sessionTls(byUrl(server.certifiedHost, { DB_SSL: "verify-full", DB_SSL_CA: server.caPath }));
    expect(session.ssl).toBe(true);
  });

  it("DATABASE_URL's own ?sslmode=verify-full&sslrootcert=… (as AWS's console writes it) connects, verified and encrypted", async () => {
    const { DATABASE_URL } = byUrl(server.certifiedHost, {});
    const session = await sessionTls({
      NODE_ENV: "test",
      DATABASE_URL: `${DATABASE_URL}?sslmode=verify-full&sslrootcert=${encodeURIComponent(server.caPath)}`,
    });
    expect(session.ssl).toBe(true);
    // The same URL's verification is real: a host the certificate does not name is refused.
    const mismatch = await refusal({
      NODE_ENV: "test",
      DATABASE_URL: `${byUrl("127.0.0.1", {}).DATABASE_URL}?sslmode=verify-full&sslrootcert=${encodeURIComponent(server.caPath)}`,
    });
    expect(mismatch.message).toMatch(/altnames|does not match/i);
  });

  it("verify-full with a bundle of several CAs (like RDS's global-bundle.pem) finds the one that signed", async () => {
    const session = await sessionTls(
      byParts(server.certifiedHost, { DB_SSL: "verify-full", DB_SSL_CA: server.bundlePath }),
    );
    expect(session.ssl).toBe(true);
  });

  it("verify-full with an unrelated CA is refused: the certificate cannot be verified", async () => {
    const error = await refusal(
      byParts(server.certifiedHost, { DB_SSL: "verify-full", DB_SSL_CA: server.wrongCaPath }),
    );
    expect(error.message).toBe(
      `cannot connect to PostgreSQL at localhost:${server.port}/quotegraph as postgres (TLS verify-full): unable to verify the first certificate`,
    );
  });

  it("verify-full without DB_SSL_CA trusts only the system's CAs, so a self-made CA is refused", async () => {
    const error = await refusal(byUrl(server.certifiedHost, { DB_SSL: "verify-full" }));
    expect(error.message).toMatch(/\(TLS verify-full\): unable to verify the first certificate$/);
  });

  it("verify-full with our CA but a host the certificate does not name (127.0.0.1) is refused: host-name mismatch", async () => {
    const error = await refusal(byUrl(server.host, { DB_SSL: "verify-full", DB_SSL_CA: server.caPath }));
    expect(error.message).toBe(
      `cannot connect to PostgreSQL at 127.0.0.1:${server.port}/quotegraph as postgres (TLS verify-full): ` +
        "Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: ",
    );
  });

  it("require connects encrypted without checking the chain or the host name", async () => {
    // Neither CA given, and 127.0.0.1 is not in the certificate: require does not care.
    expect((await sessionTls(byUrl(server.host, { DB_SSL: "require" }))).ssl).toBe(true);
    // Nor does a wrong CA bundle matter: require never verifies.
    expect(
      (await sessionTls(byParts(server.certifiedHost, { DB_SSL: "require", DB_SSL_CA: server.wrongCaPath }))).ssl,
    ).toBe(true);
  });

  it("off sends no TLS, and this server's pg_hba.conf (hostnossl ... reject) refuses it", async () => {
    const error = await refusal(byParts(server.host, { DB_SSL: "off" }));
    expect(error.message).toBe(
      `cannot connect to PostgreSQL at 127.0.0.1:${server.port}/quotegraph as postgres (TLS off): ` +
        'pg_hba.conf rejects connection for host "127.0.0.1", user "postgres", database "quotegraph", no encryption',
    );
  });

  it("a wrong password over verified TLS is refused without echoing the password", async () => {
    const wrong = `${server.password}-but-wrong`;
    const error = await refusal(
      byUrl(server.certifiedHost, { DB_SSL: "verify-full", DB_SSL_CA: server.caPath }, wrong),
    );
    expect(error.message).toMatch(/\(TLS verify-full\): password authentication failed for user "postgres"$/);
    for (const text of [error.message, error.stack ?? "", inspect(error)]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(encodeURIComponent(wrong));
    }
  });

  it("no error thrown above shows the password, in its message, stack or inspected form", () => {
    expect(thrown.length).toBeGreaterThanOrEqual(5);
    for (const error of thrown) {
      for (const text of [error.message, error.stack ?? "", inspect(error), String(error)]) {
        expect(text).not.toContain(server.password);
        expect(text).not.toContain(encodeURIComponent(server.password));
      }
    }
  });
});
