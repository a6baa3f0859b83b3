/**
 * The Activity view: the account's security log (`session.securityLog()`),
 * newest first: when, what, from which device, from which address, with
 * this device's entries marked. The SDK checks every entry's signature and
 * the chain against what this account saw before (on any of its devices)
 * before the view gets it: a server that edited, dropped or reordered
 * entries makes the call fail (`ROLLBACK`, `DECRYPT_FAILED`), and the view
 * says so instead of showing a doctored history.
 */
import { isZeroVaultError, type SecurityLogEntry, type SecurityLogType } from 'zerovault';
import type { Account } from './account.js';
import { byId, h, showError } from './view.js';

/** What each entry type means, in a person's words. */
const EVENTS: Record<SecurityLogType, string> = {
  login: 'Signed in',
  login_failed: 'Sign-in refused',
  password_changed: 'Password changed',
  recovery_key_set: 'Recovery key created',
  recovery_used: 'Recovery key used',
  device_added: 'Device added',
  device_revoked: 'Device revoked',
  passkey_added: 'Passkey added',
  passkey_removed: 'Passkey removed',
  totp_enabled: 'Two-step verification turned on',
  totp_disabled: 'Two-step verification turned off',
  vault_rotated: 'Encryption key rotated',
  share_granted: 'Notes shared',
  share_changed: 'Sharing changed',
  share_revoked: 'Sharing ended',
  mfa_failed: 'Wrong second-step code',
  rate_limited: 'Too many attempts',
  replay: 'Replayed request refused',
  forged: 'Forged request refused',
  token_issued: 'Access token issued',
  session_revoked: 'Signed out',
};

/** What the view needs from the page. */
export interface ActivityViewOptions {
  readonly account: Account;
  /** A message for the user about `err`. */
  readonly messageOf: (err: unknown) => string;
}

/** The view's handle for the page. */
export interface ActivityView {
  /** Loads and shows the account's activity. */
  show(): Promise<void>;
  /** Forgets everything shown (on sign-out). */
  clear(): void;
}

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });

function row(entry: SecurityLogEntry, devices: ReadonlyMap<string, string>, current: string | undefined): HTMLTableRowElement {
  const mine = entry.deviceId !== undefined && entry.deviceId === current;
  const device = entry.deviceId === undefined ? '—' : (devices.get(entry.deviceId) ?? `Device ${entry.deviceId.slice(0, 6)}…`);
  return h(
    'tr',
    { class: mine ? 'entry current' : 'entry', 'data-seq': String(entry.seq), 'data-type': entry.type },
    h('td', {}, h('time', { datetime: new Date(entry.at).toISOString() }, dateTime.format(entry.at))),
    h('td', {}, EVENTS[entry.type], ...(entry.by === 'client' ? [h('span', { class: 'signed', title: 'Signed by one of your devices' }, ' ✓ you')] : [])),
    h('td', {}, device, ...(mine ? [' ', h('span', { class: 'badge this' }, 'This device')] : [])),
    h('td', { class: 'address' }, entry.address ?? '—'),
  );
}

/** Wires the Activity view of the page. */
export function activityView(options: ActivityViewOptions): ActivityView {
  const body = byId<HTMLTableSectionElement>('activity-rows');
  const error = byId('activity-error');
  const count = byId('activity-count');

  async function load(): Promise<void> {
    try {
      const { entries, devices, current } = await options.account.run(async (session) => {
        // Names for the device ids; the log itself is what the SDK verified.
        const [entries, devices] = await Promise.all([session.securityLog(), session.devices().catch(() => [])]);
        return { entries, devices: new Map(devices.map((d) => [d.id, d.name])), current: session.deviceId };
      });
      body.replaceChildren(...[...entries].reverse().map((entry) => row(entry, devices, current)));
      count.textContent = `${entries.length} ${entries.length === 1 ? 'event' : 'events'}`;
      showError(error, null);
    } catch (err) {
      if (isZeroVaultError(err, 'CLOSED')) return; // the page is signed out and says why
      console.error(err);
      body.replaceChildren();
      count.textContent = '';
      showError(
        error,
        isZeroVaultError(err, 'ROLLBACK') || isZeroVaultError(err, 'DECRYPT_FAILED')
          ? 'The server’s record of your activity does not match what your devices saw before: entries were changed, removed or reordered. Nothing is shown rather than a doctored history.'
          : options.messageOf(err),
      );
    }
  }

  return {
    show: load,
    clear() {
      body.replaceChildren();
      count.textContent = '';
      showError(error, null);
    },
  };
}
