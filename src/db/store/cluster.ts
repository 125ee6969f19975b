import { Client, type ClientConfig } from "pg";

/** CREATE DATABASE, through the cluster's maintenance database (for a freshly made embedded cluster). */
export async function createDatabase(cluster: ClientConfig, name: string): Promise<void> {
  const client = new Client({ ...cluster, database: "postgres" });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}
