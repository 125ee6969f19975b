import { beforeEach, describe, expect, it } from "vitest";
import { claimSlot, claimStartup, pruneClaims } from "../src/db/store/claims";
import { useDatabase } from "./support/database";

describe("claims: one CMC call per tick between replicas", () => {
  const db = useDatabase({ dataSource: "migrated" });
  const slots = async () =>
    (await db.ds.query(`SELECT slot, instance FROM ingestion_claim ORDER BY slot`)) as {
      slot: string;
      instance: string;
    }[];

  beforeEach(() => db.ds.query(`TRUNCATE ingestion_claim`));

  it("grants a tick's slot to the first instance only; the others are told no, without an error", async () => {
    expect(await claimSlot(db.ds, "tick:2026-01-01T00:00:00.000Z", "a")).toBe(true);
    expect(await claimSlot(db.ds, "tick:2026-01-01T00:00:00.000Z", "b")).toBe(false);
    expect(await claimSlot(db.ds, "tick:2026-01-01T00:01:00.000Z", "b")).toBe(true);
    expect(await slots()).toEqual([
      { slot: "tick:2026-01-01T00:00:00.000Z", instance: "a" },
      { slot: "tick:2026-01-01T00:01:00.000Z", instance: "b" },
    ]);
  });

  it("grants one of many concurrent claims of a slot", async () => {
    const granted = await Promise.all(
      ["a", "b", "c", "d", "e"].map((instance) => claimSlot(db.ds, "tick:2026-01-01T00:00:00.000Z", instance)),
    );
    expect(granted.filter(Boolean)).toHaveLength(1);
  });

  it("grants a start-up run only when nothing was claimed within the interval", async () => {
    expect(await claimStartup(db.ds, "tick:2026-01-01T00:00:00.000Z", "a", 60_000)).toBe(true);
    // Another replica starting a moment later, after the tick turned: a different slot, still refused.
    expect(await claimStartup(db.ds, "tick:2026-01-01T00:01:00.000Z", "b", 60_000)).toBe(false);
    await db.ds.query(`UPDATE ingestion_claim SET claimed_at = now() - interval '61 seconds'`);
    expect(await claimStartup(db.ds, "tick:2026-01-01T00:01:00.000Z", "b", 60_000)).toBe(true);
    // A tick some replica already claimed is not run again at start-up.
    await db.ds.query(`UPDATE ingestion_claim SET claimed_at = now() - interval '61 seconds'`);
    expect(await claimStartup(db.ds, "tick:2026-01-01T00:01:00.000Z", "c", 60_000)).toBe(false);
    expect((await slots()).map((s) => s.instance)).toEqual(["a", "b"]);
  });

  it("grants one start-up run between replicas starting together", async () => {
    const granted = await Promise.all(
      ["a", "b", "c", "d", "e"].map((instance, i) =>
        claimStartup(db.ds, `tick:2026-01-01T00:0${i}:00.000Z`, instance, 60_000),
      ),
    );
    expect(granted.filter(Boolean)).toHaveLength(1);
  });

  it("forgets claims older than a week", async () => {
    await claimSlot(db.ds, "tick:old", "a");
    await claimSlot(db.ds, "tick:recent", "a");
    await db.ds.query(`UPDATE ingestion_claim SET claimed_at = now() - interval '8 days' WHERE slot = 'tick:old'`);
    await pruneClaims(db.ds);
    expect((await slots()).map((s) => s.slot)).toEqual(["tick:recent"]);
  });
});
