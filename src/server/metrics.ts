/**
 * Server metrics through `@opentelemetry/api` only (no SDK: a no-op unless
 * the app registers a meter provider, globally before `createServer` or as
 * its `meterProvider` option). Three instruments, documented in
 * docs/operations.md:
 *
 * | name | kind | labels |
 * | --- | --- | --- |
 * | `zerovault.requests` | counter | `route` (the route table's pattern, or `unmatched`), `status` (the HTTP status) |
 * | `zerovault.request.duration` | histogram, seconds | `route` |
 * | `zerovault.auth.events` | counter | `event` (the server event type), `outcome` (`success`, `failure`, `limited`) |
 *
 * Labels never hold a user id, an address, a raw path or anything a client
 * chose: `route` is one of the table's patterns (`/blobs/:vault/:id`), so the
 * label set stays small whatever the traffic. Recording costs two
 * `performance.now()` calls and two instrument calls per request.
 *
 * @module
 */
import { metrics, type Attributes, type MeterProvider } from '@opentelemetry/api';
import type { ServerEvent, ServerEventType } from './types.js';

/** The instrumentation scope every instrument is created under. */
export const METER_NAME = 'zerovault';
/** The `route` label of a request that matched no route (404, 405, or a CORS preflight). */
export const UNMATCHED_ROUTE = 'unmatched';

/** An auth event's `outcome` label. */
export type AuthOutcome = 'success' | 'failure' | 'limited';

/**
 * Which server events count as `zerovault.auth.events`, and their outcome.
 * Sharing and key-directory events and `error` are not auth events (errors
 * show as 5xx in `zerovault.requests`); an event type not listed here is not counted.
 */
export const AUTH_EVENTS: Readonly<Partial<Record<ServerEventType, AuthOutcome>>> = {
  register: 'success',
  login: 'success',
  logout: 'success',
  password_changed: 'success',
  recovery_set: 'success',
  recovery_code_used: 'success',
  token_issued: 'success',
  device_added: 'success',
  device_revoked: 'success',
  totp_enabled: 'success',
  totp_disabled: 'success',
  passkey_added: 'success',
  passkey_removed: 'success',
  session_revoked: 'success',
  auth_failed: 'failure',
  mfa_failed: 'failure',
  stale: 'failure',
  replay: 'failure',
  forged: 'failure',
  access_denied: 'failure',
  rate_limited: 'limited',
  mfa_locked: 'limited',
};

/** HTTP semantic conventions' boundaries for request durations, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** The server's instruments. */
export interface ServerMetrics {
  /** One handled request: its route pattern, status and handling time in ms (until the response object exists). */
  request(route: string, status: number, durationMs: number): void;
  /** One server event: counted when it is an auth event ({@link AUTH_EVENTS}). */
  event(event: Pick<ServerEvent, 'type'>): void;
}

/** Creates the instruments on `provider` (default: the global meter provider, read now). */
export function serverMetrics(provider: MeterProvider = metrics.getMeterProvider()): ServerMetrics {
  const meter = provider.getMeter(METER_NAME);
  const requests = meter.createCounter('zerovault.requests', { description: 'Requests handled, by route pattern and HTTP status', unit: '{request}' });
  const duration = meter.createHistogram('zerovault.request.duration', {
    description: 'Time to handle a request, by route pattern',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const auth = meter.createCounter('zerovault.auth.events', { description: 'Authentication events, by event and outcome', unit: '{event}' });
  return {
    request(route, status, durationMs) {
      const labels: Attributes = { route, status };
      requests.add(1, labels);
      duration.record(durationMs / 1000, { route });
    },
    event({ type }) {
      const outcome = AUTH_EVENTS[type];
      if (outcome !== undefined) auth.add(1, { event: type, outcome });
    },
  };
}
