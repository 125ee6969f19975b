import { describe, expect, it } from "vitest";
import { useApi } from "./support/api";
import { graphql } from "./support/graphql";

describe("METRICS_PORT: health and metrics on a listener of their own", () => {
  const api = useApi({ env: { METRICS_PORT: "0" } });

  it("serves /healthz, /readyz and /metrics there, and only /graphql on the public port", async () => {
    const ops = api.service.opsUrl as string;
    expect(ops).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(ops).port).not.toBe(new URL(api.url).port);

    const health = await fetch(`${ops}/healthz`);
    expect({ status: health.status, body: await health.json() }).toEqual({ status: 200, body: { status: "ok" } });
    const ready = await fetch(`${ops}/readyz`);
    expect({ status: ready.status, body: await ready.json() }).toEqual({ status: 200, body: { status: "ready" } });
    // Public requests are measured, and read from the other port.
    expect((await graphql(api.url, "{ ingestion { enabled } }")).status).toBe(200);
    const metrics = await fetch(`${ops}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/quotegraph_http_request_duration_seconds_count\{[^}]*route="\/graphql"/);

    for (const path of ["/healthz", "/readyz", "/metrics"]) {
      expect((await fetch(`${api.url}${path}`)).status).toBe(404);
    }
    const elsewhere = await fetch(`${ops}/graphql`, { method: "POST" });
    expect({ status: elsewhere.status, body: await elsewhere.json() }).toEqual({
      status: 404,
      body: { errors: [{ message: "not found: this port serves /healthz, /readyz and /metrics" }] },
    });
  });
});
