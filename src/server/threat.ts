/**
 * Automated responses (`createServer({ onThreat })`): the server aggregates
 * signals of an attack and asks a policy what to do.
 *
 * Signals, counted per instance over a sliding window (`windowMs`, default
 * 10 minutes):
 *
 * - `forged`: a request named a live session but its MAC did not verify
 *   (someone holds the session id, not its key), per session;
 * - `replay`: a request's nonce was used before, per session;
 * - `factor_failed`: a wrong second factor (`mfa_failed`), per account.
 *
 * The policy gets each signal with its count so far and returns an action:
 * `revoke-session` (the signalling session ends on every instance: its next
 * request fails `CLOSED`), `revoke-sessions` (every session of the account
 * ends, so each device must log in again, presenting the password and,
 * when one is enrolled, the second factor: a fresh factor), or nothing.
 * {@link defaultThreatPolicy} revokes a session after 3 forged requests.
 * An action is carried out before the failed request is answered, and
 * reported as a `session_revoked` event (reason `threat-<signal>`). A policy
 * that throws is an `error` event (`threat-policy-failed`), never a failed
 * request.
 *
 * Counts live in memory, per server instance (bounded: the oldest keys are
 * dropped past {@link MAX_TRACKED}); behind a load balancer each instance
 * counts what it sees, so thresholds are per instance.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import type { ServerEvent, ServerStore } from './types.js';

/** What a signal is about. */
export type ThreatSignalKind = 'forged' | 'replay' | 'factor_failed';

/** One aggregated signal, as the policy sees it. */
export interface ThreatSignal {
  readonly kind: ThreatSignalKind;
  /** The account (normalized user id). */
  readonly userId: string;
  /** The session, for `forged` and `replay`. */
  readonly sessionId?: string;
  /** Signals of this kind for this session (`forged`, `replay`) or account (`factor_failed`) within the window, this one included. */
  readonly count: number;
  /** The window the count covers, in ms. */
  readonly windowMs: number;
  /** Milliseconds since the epoch. */
  readonly at: number;
}

/** What the server does about a signal. */
export type ThreatAction = 'revoke-session' | 'revoke-sessions' | 'none';

/** Decides on a signal; `undefined` means `none`. */
export type ThreatPolicy = (signal: ThreatSignal) => ThreatAction | undefined | Promise<ThreatAction | undefined>;

/** `createServer({ onThreat })`: a policy, or the policy plus a window. */
export type ThreatOptions = ThreatPolicy | { readonly policy: ThreatPolicy; readonly windowMs?: number };

/** Forged requests per session that {@link defaultThreatPolicy} tolerates before revoking the session. */
export const FORGED_LIMIT = 3;
/** Keys (sessions, accounts) tracked at once, per instance. */
export const MAX_TRACKED = 10_000;
const DEFAULT_WINDOW_MS = 10 * 60 * 1000;

/** Revokes a session on its {@link FORGED_LIMIT}th forged request within the window; nothing else. */
export const defaultThreatPolicy: ThreatPolicy = (signal) => (signal.kind === 'forged' && signal.count >= FORGED_LIMIT ? 'revoke-session' : 'none');

/** The server's side of the hook. */
export interface ThreatMonitor {
  /** Counts a signal, asks the policy, carries out its action. Never throws. */
  observe(kind: ThreatSignalKind, who: { readonly userId: string; readonly sessionId?: string }): Promise<void>;
}

/**
 * Creates the monitor.
 * @throws `INVALID_INPUT` for a malformed option
 */
export function threatMonitor(
  options: ThreatOptions | undefined,
  store: ServerStore,
  now: () => number,
  emit: (event: Omit<ServerEvent, 'at'>) => void,
): ThreatMonitor {
  const { policy, windowMs } = settings(options);
  /** Times of recent signals per key, oldest first; Map order is insertion order, so the first key is the least recently started. */
  const seen = new Map<string, number[]>();

  const count = (key: string, at: number): number => {
    const times = (seen.get(key) ?? []).filter((t) => t > at - windowMs);
    times.push(at);
    seen.delete(key);
    seen.set(key, times);
    if (seen.size > MAX_TRACKED) seen.delete(seen.keys().next().value as string);
    return times.length;
  };

  return {
    async observe(kind, who) {
      const at = now();
      const key = kind === 'factor_failed' ? `${kind}\u0000${who.userId}` : `${kind}\u0000${who.sessionId ?? ''}`;
      const signal: ThreatSignal = { kind, userId: who.userId, ...(who.sessionId === undefined ? {} : { sessionId: who.sessionId }), count: count(key, at), windowMs, at };
      try {
        const action = (await policy(signal)) ?? 'none';
        if (action === 'revoke-session' && who.sessionId !== undefined) {
          await store.deleteSession(who.sessionId);
          seen.delete(key);
          emit({ type: 'session_revoked', userId: who.userId, reason: `threat-${kind}` });
        } else if (action === 'revoke-sessions') {
          await store.deleteUserSessions(who.userId);
          seen.delete(key);
          emit({ type: 'session_revoked', userId: who.userId, reason: `threat-${kind}` });
        }
      } catch {
        emit({ type: 'error', reason: 'threat-policy-failed' });
      }
    },
  };
}

function settings(options: ThreatOptions | undefined): { policy: ThreatPolicy; windowMs: number } {
  if (options === undefined) return { policy: defaultThreatPolicy, windowMs: DEFAULT_WINDOW_MS };
  if (typeof options === 'function') return { policy: options, windowMs: DEFAULT_WINDOW_MS };
  if (typeof options !== 'object' || options === null || typeof options.policy !== 'function') {
    throw new ZeroVaultError('INVALID_INPUT', 'onThreat must be a function or { policy, windowMs }');
  }
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  if (!Number.isSafeInteger(windowMs) || windowMs <= 0) throw new ZeroVaultError('INVALID_INPUT', 'onThreat.windowMs must be a positive integer');
  return { policy: options.policy, windowMs };
}
