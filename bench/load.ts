// Constant-rate HTTP load without coordinated omission (the wrk2 way): requests are sent on a fixed schedule whether
// or not earlier ones have answered, and each latency is measured from the moment the request was due, so a server
// that stalls is charged for every request it held up. Connections are reused (fetch keeps them alive).
import { authHeaders } from './auth.js';
import { constantRateSchedule, percentile } from './lib.js';

export interface LoadResult {
  sent: number;
  failed: number;
  /** Latency from the due time to the end of the response body, ms. */
  latencies: number[];
  p50: number;
  p99: number;
  /** Requests per second actually completed over the run. */
  achievedRate: number;
  /** How late the generator itself was sending (p99, ms): large values mean the client, not the server, was busy. */
  sendLagP99: number;
}

export async function constantRateLoad(options: {
  urls: readonly string[];
  rate: number;
  seconds: number;
  auth?: boolean;
  expectStatus?: number;
}): Promise<LoadResult> {
  const schedule = constantRateSchedule(options.rate, options.seconds);
  const headers = options.auth === false ? {} : await authHeaders();
  const latencies: number[] = [];
  const lags: number[] = [];
  let failed = 0;
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < schedule.length; i++) {
    const due = started + schedule[i]!;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    lags.push(Math.max(0, performance.now() - due));
    const url = options.urls[i % options.urls.length]!;
    inFlight.push(
      fetch(url, { headers })
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.status !== (options.expectStatus ?? 200)) failed++;
          latencies.push(performance.now() - due);
        })
        .catch(() => {
          failed++;
          latencies.push(performance.now() - due);
        }),
    );
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  return {
    sent: schedule.length,
    failed,
    latencies,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    achievedRate: schedule.length / seconds,
    sendLagP99: percentile(lags, 99),
  };
}
