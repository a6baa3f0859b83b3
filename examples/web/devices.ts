/**
 * The Devices view: the browsers that keep this account signed in
 * (`session.devices()`), and revoking one (`session.revokeDevice()`).
 *
 * Revoking another device needs a fresh password sign-in: a session that a
 * remembered device opened on its own (or an old one) is answered with
 * `AUTH_FAILED`, and the view then asks for the password inline and retries
 * with `currentPassword`. With two-step verification on, that sign-in needs
 * a code too (`MFA_REQUIRED`): the form then asks for both. Revoking *this*
 * device is signing out and forgetting it, which the page does for us
 * (`forgetThisDevice`).
 */
import { isZeroVaultError, type Session } from 'zerovault';
import type { Account } from './account.js';
import { anyCode, codeRefusal, type SecondFactor } from './codes.js';
import { byId, h, showError } from './view.js';

/** One device as `session.devices()` lists it. */
export type Device = Awaited<ReturnType<Session['devices']>>[number];

/** What the view needs from the page. */
export interface DevicesViewOptions {
  readonly account: Account;
  /** Signs out and forgets this device (its Revoke button). */
  readonly forgetThisDevice: () => Promise<void>;
  /** A message for the user about `err`. */
  readonly messageOf: (err: unknown) => string;
  /** Shows the busy overlay (password checks run Argon2id), or hides it. */
  readonly setBusy: (text: string | null) => void;
}

/** The view's handle for the page. */
export interface DevicesView {
  /** Loads and shows the account's devices. */
  show(): Promise<void>;
  /** Forgets everything shown (on sign-out). */
  clear(): void;
}

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

/** "just now", "5 min ago", or the date and time. */
function when(ms: number, now: number): string {
  const ago = now - ms;
  if (ago < 60_000) return 'just now';
  if (ago < 3_600_000) return `${Math.floor(ago / 60_000)} min ago`;
  return dateTime.format(ms);
}

/** A revoke waiting for the password (and, with two-step verification, a code). */
interface Confirming {
  readonly id: string;
  readonly error: string | null;
  readonly needsCode: boolean;
  /** The password already typed, kept when the form comes back asking for a code too (never typed twice). */
  readonly password?: string;
}

function confirmForm(device: Device, confirming: Confirming): HTMLFormElement {
  const input = h('input', { type: 'password', id: 'revoke-password', name: 'password', autocomplete: 'current-password', required: '' });
  input.value = confirming.password ?? '';
  const box = h('p', { class: 'error', role: 'alert' });
  showError(box, confirming.error);
  const code = confirming.needsCode
    ? [h('label', { class: 'field' }, h('span', {}, 'A code from your authenticator app, or a recovery code'), h('input', { type: 'text', id: 'revoke-code', name: 'code', autocomplete: 'one-time-code', spellcheck: 'false' }))]
    : [];
  return h(
    'form',
    { class: 'confirm', 'data-id': device.id, novalidate: '' },
    h('label', { class: 'field' }, h('span', {}, `Your password, to revoke “${device.name}”`), input),
    ...code,
    h('p', { class: 'confirm-hint' }, 'This session was opened without your password, so revoking another device asks for it once.'),
    box,
    h(
      'div',
      { class: 'confirm-actions' },
      h('button', { class: 'button ghost', type: 'button', 'data-action': 'cancel' }, 'Cancel'),
      h('button', { class: 'button danger', type: 'submit' }, 'Revoke device'),
    ),
  );
}

function deviceItem(device: Device, now: number, confirming: Confirming | null): HTMLLIElement {
  const facts: [string, string][] = [
    ['Added', when(device.createdAt, now)],
    ['Last seen', when(device.lastSeenAt, now)],
    ['Last address', device.lastAddress ?? 'unknown'],
  ];
  return h(
    'li',
    { class: device.current ? 'device current' : 'device', 'data-id': device.id },
    h(
      'div',
      { class: 'device-top' },
      h('h3', {}, device.name),
      ...(device.current ? [h('span', { class: 'badge this' }, 'This device')] : []),
      ...(device.verified ? [] : [h('span', { class: 'badge unverified', title: 'Not in your encrypted device list' }, 'Unverified')]),
      h(
        'button',
        {
          class: 'link danger device-revoke',
          type: 'button',
          'data-action': 'revoke',
          'data-id': device.id,
          'aria-label': device.current ? 'Revoke this device and sign out' : `Revoke ${device.name}`,
        },
        device.current ? 'Revoke and sign out' : 'Revoke',
      ),
    ),
    h('dl', { class: 'device-facts' }, ...facts.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
    ...(device.verified
      ? []
      : [h('p', { class: 'device-warning' }, 'The server lists this device, but your encrypted device list does not hold it: you did not add it from a device of yours. Revoke it unless you know it.')]),
    ...(confirming !== null && confirming.id === device.id ? [confirmForm(device, confirming)] : []),
  );
}

/** Wires the Devices view of the page. */
export function devicesView(options: DevicesViewOptions): DevicesView {
  const list = byId<HTMLUListElement>('device-list');
  const error = byId('devices-error');
  const note = byId('devices-note');
  let devices: readonly Device[] = [];
  let confirming: Confirming | null = null;

  function render(): void {
    const now = Date.now();
    list.replaceChildren(...devices.map((device) => deviceItem(device, now, confirming)));
    byId('device-count').textContent = devices.length === 0 ? '' : `${devices.length} ${devices.length === 1 ? 'device' : 'devices'}`;
    const remembered = devices.some((device) => device.current);
    showError(
      note,
      remembered
        ? null
        : devices.length === 0
          ? 'No device keeps you signed in. Tick “Keep me signed in on this device” when you sign in to add this one.'
          : 'This browser is not in the list: you signed in without “Keep me signed in on this device”.',
    );
    if (confirming !== null) document.getElementById(confirming.needsCode && confirming.password !== undefined ? 'revoke-code' : 'revoke-password')?.focus();
  }

  async function load(): Promise<void> {
    try {
      devices = await options.account.run((session) => session.devices());
      showError(error, null);
    } catch (err) {
      if (isZeroVaultError(err, 'CLOSED')) return; // the page is signed out and says why
      console.error(err);
      showError(error, options.messageOf(err));
    }
    render();
  }

  async function revoke(device: Device, currentPassword?: string, factor?: SecondFactor): Promise<void> {
    if (device.current) return options.forgetThisDevice();
    showError(error, null);
    if (currentPassword !== undefined) options.setBusy('Checking your password…');
    try {
      await options.account.run((session) => session.revokeDevice(device.id, currentPassword === undefined ? {} : { currentPassword, ...factor }));
      confirming = null;
      await load();
    } catch (err) {
      if (isZeroVaultError(err, 'CLOSED')) return;
      const needsCode = isZeroVaultError(err, 'MFA_REQUIRED') || (factor !== undefined && confirming?.needsCode === true);
      if (isZeroVaultError(err, 'MFA_REQUIRED') && currentPassword !== undefined) {
        // The password was right; the account asks for its second step too.
        confirming = { id: device.id, error: factor === undefined ? 'Your password is right. Enter a code too.' : null, needsCode, password: currentPassword };
        render();
        return;
      }
      if (isZeroVaultError(err, 'AUTH_FAILED')) {
        // First time: a fresh sign-in is needed; with a password: it (or the code) was wrong.
        const wrong = factor === undefined ? 'Wrong password.' : 'Wrong password or code.';
        confirming = { id: device.id, error: currentPassword === undefined ? null : wrong, needsCode };
        render();
        return;
      }
      const refused = codeRefusal(err, 'any');
      if (refused !== null && currentPassword !== undefined) {
        confirming = { id: device.id, error: refused, needsCode, password: currentPassword };
        render();
        return;
      }
      console.error(err);
      showError(error, options.messageOf(err));
    } finally {
      options.setBusy(null);
    }
  }

  list.addEventListener('click', (event) => {
    const button = (event.target as Element).closest<HTMLButtonElement>('button[data-action]');
    if (button === null) return;
    if (button.dataset.action === 'cancel') {
      confirming = null;
      return render();
    }
    const device = devices.find((d) => d.id === button.dataset.id);
    if (button.dataset.action === 'revoke' && device !== undefined) void revoke(device);
  });
  list.addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const device = devices.find((d) => d.id === form.dataset.id);
    const password = form.querySelector<HTMLInputElement>('input[type="password"]')?.value ?? '';
    const codeField = form.querySelector<HTMLInputElement>('#revoke-code');
    if (device === undefined) return;
    const needsCode = codeField !== null;
    if (password === '') {
      confirming = { id: device.id, error: 'Enter your password.', needsCode };
      return render();
    }
    if (codeField === null) return void revoke(device, password);
    const factor = anyCode(codeField.value);
    if (factor === null) {
      confirming = { id: device.id, error: 'Type the 6 digits your app shows, or a recovery code.', needsCode };
      return render();
    }
    void revoke(device, password, factor);
  });

  return {
    show: load,
    clear() {
      devices = [];
      confirming = null;
      list.replaceChildren();
      showError(error, null);
      showError(note, null);
    },
  };
}
