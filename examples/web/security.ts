/**
 * The Security view: two-step verification with an authenticator app
 * (`session.mfa()`, `session.enrollTotp()`, `session.disableTotp()`,
 * `session.regenerateRecoveryCodes()`), and the account's passkeys
 * (`passkeys.ts`).
 *
 * Setting up: `enrollTotp()` gives a secret and its `otpauth://` URI; the
 * page draws the URI as a QR code and shows the secret as text for apps that
 * cannot scan. The first code the app shows confirms it (`confirm(code)`),
 * and the answer holds the ten recovery codes, shown once
 * (`recovery-codes.ts`). Turning it off or making new recovery codes asks for
 * a current code (the app's, or a recovery code): a session left open on a
 * shared computer is not enough.
 *
 * Setting up needs a fresh password sign-in, like revoking a device: a
 * session opened without the password is answered with `AUTH_FAILED`, and
 * the view asks for the password inline and retries with `currentPassword`.
 */
import { isZeroVaultError, type Session } from 'zerovault';
import type { Account } from './account.js';
import { anyCode, codeRefusal, totpCode } from './codes.js';
import { passkeysView } from './passkeys.js';
import { qrSvg } from './qr.js';
import { recoveryCodesPanel } from './recovery-codes.js';
import { byId, h, showError } from './view.js';

/** What `session.mfa()` says about the account. */
export type MfaStatus = Awaited<ReturnType<Session['mfa']>>;
/** A started enrolment: secret, URI and `confirm(code)`. */
export type Enrollment = Awaited<ReturnType<Session['enrollTotp']>>;

/** What the view needs from the page. */
export interface SecurityViewOptions {
  readonly account: Account;
  /** A message for the user about `err` (not about a code). */
  readonly messageOf: (err: unknown) => string;
  /** Shows the busy overlay, or hides it. */
  readonly setBusy: (text: string | null) => void;
}

/** The view's handle for the page. */
export interface SecurityView {
  /** Loads and shows the account's factors. */
  show(): Promise<void>;
  /** Forgets everything shown (on sign-out). */
  clear(): void;
  /** True while recovery codes are on screen and not yet marked as saved. */
  readonly holdsUnsavedCodes: boolean;
}

type TotpStep =
  | { readonly step: 'status'; readonly asking: 'disable' | 'regenerate' | null; readonly error: string | null }
  | { readonly step: 'password'; readonly error: string | null }
  | { readonly step: 'scan'; readonly enrollment: Enrollment; readonly error: string | null }
  | { readonly step: 'codes'; readonly codes: readonly string[]; readonly reason: 'enabled' | 'regenerated' };

const STATUS: Extract<TotpStep, { step: 'status' }> = { step: 'status', asking: null, error: null };

/** RFC 8176 method names, in words; anything else is left out. */
const AMR: Readonly<Record<string, string>> = {
  pwd: 'your password',
  otp: 'a code from your authenticator app',
  hwk: 'a passkey',
  swk: 'this remembered device',
};

/** "your password and a code from your authenticator app" */
function amrText(amr: readonly string[]): string {
  const words = [...new Set(amr.map((method) => AMR[method]).filter((word): word is string => word !== undefined))];
  if (words.length === 0) return 'Signed in.';
  return `This session: signed in with ${words.length === 1 ? words[0] : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`}.`;
}

/** The secret in groups of four, as authenticator apps show it when typed by hand. */
const grouped = (secret: string): string => secret.match(/.{1,4}/g)?.join(' ') ?? secret;

function errorBox(message: string | null): HTMLElement {
  const box = h('p', { class: 'error', role: 'alert' });
  showError(box, message);
  return box;
}

function codeField(id: string, label: string, placeholder: string): HTMLLabelElement {
  return h(
    'label',
    { class: 'field' },
    h('span', {}, label),
    h('input', { id, name: 'code', type: 'text', inputmode: id === 'totp-confirm-code' ? 'numeric' : 'text', autocomplete: 'one-time-code', spellcheck: 'false', placeholder, required: '' }),
  );
}

function askForm(asking: 'disable' | 'regenerate', error: string | null): HTMLFormElement {
  const disable = asking === 'disable';
  return h(
    'form',
    { class: 'confirm', 'data-form': asking, novalidate: '' },
    codeField('factor-code', disable ? 'A code, to turn off two-step verification' : 'A code, to make new recovery codes', '123456 or XXXX-XXXX-XXXX-XXXX'),
    h('p', { class: 'confirm-hint' }, 'The 6-digit code your authenticator app shows now, or one of your recovery codes.'),
    errorBox(error),
    h(
      'div',
      { class: 'confirm-actions' },
      h('button', { class: 'button ghost', type: 'button', 'data-action': 'cancel' }, 'Cancel'),
      h('button', { class: disable ? 'button danger' : 'button primary', type: 'submit' }, disable ? 'Turn off two-step verification' : 'Make new codes'),
    ),
  );
}

function statusBody(status: MfaStatus, state: Extract<TotpStep, { step: 'status' }>): HTMLElement[] {
  if (!status.totp) {
    return [
      h('p', { class: 'factor-text' }, 'Ask for a 6-digit code from an authenticator app (Google Authenticator, 1Password, Aegis, …) after your password, so a stolen password alone does not open your account.'),
      errorBox(state.error),
      h('div', { class: 'factor-actions' }, h('button', { class: 'button primary', type: 'button', 'data-action': 'enroll' }, 'Set up authenticator app')),
    ];
  }
  const left = status.recoveryCodesLeft;
  return [
    h('p', { class: 'factor-text' }, 'After your password, Vault Notes asks for the 6-digit code your authenticator app shows.'),
    h('dl', { class: 'device-facts' }, h('dt', {}, 'Recovery codes'), h('dd', { id: 'recovery-left' }, `${left} of 10 left`)),
    ...(left <= 3 ? [h('p', { class: 'device-warning' }, left === 0 ? 'You have no recovery code left: make new ones now.' : 'Few recovery codes are left: make new ones.')] : []),
    ...(state.asking === null
      ? [
          errorBox(state.error),
          h(
            'div',
            { class: 'factor-actions' },
            h('button', { class: 'button ghost', type: 'button', 'data-action': 'regenerate' }, 'New recovery codes'),
            h('button', { class: 'link danger', type: 'button', 'data-action': 'disable' }, 'Turn off'),
          ),
        ]
      : [askForm(state.asking, state.error)]),
    h('p', { class: 'factor-hint' }, 'The server keeps the app’s secret sealed under its own key, and only hashes of your recovery codes: neither is in the rows on the right, and neither opens your notes.'),
  ];
}

function passwordBody(error: string | null): HTMLElement[] {
  return [
    h(
      'form',
      { class: 'confirm', 'data-form': 'password', novalidate: '' },
      h('label', { class: 'field' }, h('span', {}, 'Your password, to set up two-step verification'), h('input', { type: 'password', id: 'security-password', name: 'password', autocomplete: 'current-password', required: '' })),
      h('p', { class: 'confirm-hint' }, 'This session was opened without your password (a remembered device or a passkey), so a new second step asks for it once.'),
      errorBox(error),
      h(
        'div',
        { class: 'confirm-actions' },
        h('button', { class: 'button ghost', type: 'button', 'data-action': 'cancel' }, 'Cancel'),
        h('button', { class: 'button primary', type: 'submit' }, 'Continue'),
      ),
    ),
  ];
}

function scanBody(enrollment: Enrollment, error: string | null): HTMLElement[] {
  return [
    h(
      'ol',
      { class: 'setup-steps' },
      h(
        'li',
        {},
        h('strong', {}, 'Scan this QR code with your authenticator app'),
        h('div', { class: 'qr-box' }, qrSvg(enrollment.uri, 'QR code for your authenticator app')),
        h('p', { class: 'factor-hint' }, 'Can’t scan it? Choose “enter a setup key” in the app and type this key (time-based):'),
        h('code', { class: 'secret', id: 'totp-secret' }, grouped(enrollment.secret)),
        h('p', { class: 'factor-hint' }, 'On a phone: ', h('a', { href: enrollment.uri, id: 'totp-uri' }, 'open it in your authenticator app'), '.'),
      ),
      h(
        'li',
        {},
        h('strong', {}, 'Enter the 6-digit code the app shows'),
        h(
          'form',
          { class: 'confirm', 'data-form': 'confirm', novalidate: '' },
          codeField('totp-confirm-code', '6-digit code', '123456'),
          errorBox(error),
          h(
            'div',
            { class: 'confirm-actions' },
            h('button', { class: 'button ghost', type: 'button', 'data-action': 'cancel' }, 'Cancel'),
            h('button', { class: 'button primary', type: 'submit' }, 'Turn on'),
          ),
        ),
      ),
    ),
  ];
}

/** Wires the Security view of the page. */
export function securityView(options: SecurityViewOptions): SecurityView {
  const card = byId('totp-card');
  const error = byId('security-error');
  const passkeys = passkeysView(options);
  let status: MfaStatus | null = null;
  let state: TotpStep = STATUS;

  function render(): void {
    const on = status?.totp === true;
    const badge = status === null ? [] : [h('span', { class: on ? 'badge on' : 'badge off', id: 'totp-badge' }, on ? 'On' : 'Off')];
    const body =
      status === null
        ? []
        : state.step === 'status'
          ? statusBody(status, state)
          : state.step === 'password'
            ? passwordBody(state.error)
            : state.step === 'scan'
              ? scanBody(state.enrollment, state.error)
              : [recoveryCodesPanel({ codes: state.codes, userId: options.account.session?.userId ?? '', reason: state.reason, onDone: () => void load() })];
    card.replaceChildren(h('div', { class: 'factor-top' }, h('h2', {}, 'Two-step verification'), ...badge), ...body);
    card.querySelector<HTMLInputElement>('input:not([type="checkbox"])')?.focus();
  }

  async function load(): Promise<void> {
    state = STATUS;
    const session = options.account.session;
    byId('security-session').textContent = session === null ? '' : amrText(session.amr);
    try {
      status = await options.account.run((s) => s.mfa());
      showError(error, null);
    } catch (err) {
      if (isZeroVaultError(err, 'CLOSED')) return;
      console.error(err);
      showError(error, options.messageOf(err));
    }
    render();
    await passkeys.show();
  }

  /** Runs one action under the busy overlay; a refused code or password goes back into the current step. */
  async function act(busy: string, work: () => Promise<void>, onRefused: (message: string) => void): Promise<void> {
    options.setBusy(busy);
    try {
      await work();
    } catch (err) {
      if (isZeroVaultError(err, 'CLOSED')) return; // the page is signed out and says why
      const refused = codeRefusal(err, state.step === 'scan' ? 'totp' : 'any');
      if (refused === null) console.error(err);
      onRefused(refused ?? options.messageOf(err));
    } finally {
      options.setBusy(null);
    }
  }

  async function enroll(currentPassword?: string): Promise<void> {
    options.setBusy(currentPassword === undefined ? 'Starting…' : 'Checking your password…');
    try {
      const enrollment = await options.account.run((s) => s.enrollTotp(currentPassword === undefined ? {} : { currentPassword }));
      state = { step: 'scan', enrollment, error: null };
    } catch (err) {
      if (isZeroVaultError(err, 'CLOSED')) return;
      if (isZeroVaultError(err, 'AUTH_FAILED')) {
        // First time: a fresh sign-in is needed; with a password: it was wrong.
        state = { step: 'password', error: currentPassword === undefined ? null : 'Wrong password.' };
      } else {
        console.error(err);
        state = { ...STATUS, error: options.messageOf(err) };
      }
    } finally {
      options.setBusy(null);
    }
    render();
  }

  async function confirm(enrollment: Enrollment, code: string): Promise<void> {
    await act(
      'Checking the code…',
      async () => {
        const { recoveryCodes } = await enrollment.confirm(code);
        status = status === null ? null : { ...status, totp: true, recoveryCodesLeft: recoveryCodes.length };
        state = { step: 'codes', codes: recoveryCodes, reason: 'enabled' };
        render();
      },
      (message) => {
        state = { step: 'scan', enrollment, error: message };
        render();
      },
    );
  }

  async function withCode(asking: 'disable' | 'regenerate', code: string): Promise<void> {
    await act(
      asking === 'disable' ? 'Turning off two-step verification…' : 'Making new recovery codes…',
      async () => {
        if (asking === 'disable') {
          await options.account.run((s) => s.disableTotp({ code }));
          await load();
          showError(byId('security-note'), 'Two-step verification is off. Your password alone signs you in again, and your recovery codes no longer work.');
        } else {
          const { recoveryCodes } = await options.account.run((s) => s.regenerateRecoveryCodes({ code }));
          state = { step: 'codes', codes: recoveryCodes, reason: 'regenerated' };
          render();
        }
      },
      (message) => {
        state = { step: 'status', asking, error: message };
        render();
      },
    );
  }

  card.addEventListener('click', (event) => {
    const action = (event.target as Element).closest<HTMLButtonElement>('button[data-action]')?.dataset.action;
    if (action === undefined) return;
    showError(byId('security-note'), null);
    if (action === 'enroll') return void enroll();
    if (action === 'cancel') state = STATUS;
    else if (action === 'disable' || action === 'regenerate') state = { step: 'status', asking: action, error: null };
    render();
  });
  card.addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const value = form.querySelector<HTMLInputElement>('input')?.value ?? '';
    const kind = form.dataset.form;
    if (kind === 'password') {
      if (value === '') return void ((state = { step: 'password', error: 'Enter your password.' }), render());
      return void enroll(value);
    }
    if (kind === 'confirm' && state.step === 'scan') {
      const code = totpCode(value);
      if (code === null) return void ((state = { ...state, error: 'Type the 6 digits your app shows.' }), render());
      return void confirm(state.enrollment, code);
    }
    if ((kind === 'disable' || kind === 'regenerate') && state.step === 'status') {
      const factor = anyCode(value);
      if (factor === null) return void ((state = { step: 'status', asking: kind, error: 'Type the 6 digits your app shows, or a recovery code (XXXX-XXXX-XXXX-XXXX).' }), render());
      return void withCode(kind, 'totp' in factor ? factor.totp : factor.recoveryCode);
    }
  });

  return {
    show: load,
    clear() {
      status = null;
      state = STATUS;
      card.replaceChildren();
      byId('security-session').textContent = '';
      showError(error, null);
      showError(byId('security-note'), null);
      passkeys.clear();
    },
    get holdsUnsavedCodes() {
      return state.step === 'codes';
    },
  };
}
