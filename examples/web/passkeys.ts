/**
 * The passkeys part of the Security view: the account's passkeys
 * (`session.passkeys()`), adding one from this browser
 * (`session.addPasskey({ name })`) and removing one
 * (`session.removePasskey(id)`).
 *
 * A passkey made with the PRF extension unlocks the notes by itself, so
 * "Sign in with a passkey" needs no password; without PRF it still signs in,
 * and the password unlocks the keys. Adding one (or removing another than
 * the one this session signed in with) needs a fresh password sign-in, as
 * setting up an authenticator app does: on `AUTH_FAILED` the view asks for
 * the password inline and retries with `currentPassword`.
 */
import { isZeroVaultError, type Session } from 'zerovault';
import type { Account } from './account.js';
import { recoveryCodesPanel } from './recovery-codes.js';
import { byId, h, showError } from './view.js';

/** One passkey as `session.passkeys()` lists it. */
export type Passkey = Awaited<ReturnType<Session['passkeys']>>[number];

/** What the passkeys part needs from the page. */
export interface PasskeysViewOptions {
  readonly account: Account;
  readonly messageOf: (err: unknown) => string;
  readonly setBusy: (text: string | null) => void;
}

/** The passkeys part's handle for the Security view. */
export interface PasskeysView {
  show(): Promise<void>;
  clear(): void;
}

/** What waits for the password: adding a passkey with this name, or removing this one. */
type Pending = { readonly add: string } | { readonly remove: string };

type Step =
  | { readonly step: 'list'; readonly removing: string | null }
  | { readonly step: 'name' }
  | { readonly step: 'password'; readonly pending: Pending; readonly error: string | null }
  // The account's first second factor came with recovery codes: shown once, here.
  | { readonly step: 'codes'; readonly codes: readonly string[] };

const LIST: Step = { step: 'list', removing: null };
const date = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium' });

/** A name for a passkey made here: the platform, as a person would call their device. */
function defaultName(): string {
  const agent = navigator.userAgent;
  const platform = /Android/.test(agent) ? 'Android' : /iPhone|iPad/.test(agent) ? 'iPhone' : /Mac/.test(agent) ? 'Mac' : /Windows/.test(agent) ? 'Windows' : /Linux/.test(agent) ? 'Linux' : 'this device';
  return `Passkey on ${platform}`;
}

function passkeyItem(passkey: Passkey, removing: boolean): HTMLLIElement {
  return h(
    'li',
    { class: 'device', 'data-id': passkey.id },
    h(
      'div',
      { class: 'device-top' },
      h('h3', {}, passkey.name),
      ...(passkey.current ? [h('span', { class: 'badge this' }, 'This session')] : []),
      h('span', { class: passkey.unlocks ? 'badge on' : 'badge off' }, passkey.unlocks ? 'Unlocks your notes' : 'Needs your password too'),
      ...(passkey.verified ? [] : [h('span', { class: 'badge unverified', title: 'Not in your encrypted passkey list' }, 'Unverified')]),
      h('button', { class: 'link danger device-revoke', type: 'button', 'data-action': 'remove', 'data-id': passkey.id, 'aria-label': `Remove ${passkey.name}` }, 'Remove'),
    ),
    h('dl', { class: 'device-facts' }, h('dt', {}, 'Added'), h('dd', {}, date.format(passkey.createdAt)), h('dt', {}, 'Last used'), h('dd', {}, date.format(passkey.lastSeenAt))),
    ...(passkey.verified ? [] : [h('p', { class: 'device-warning' }, 'The server lists this passkey, but your encrypted passkey list does not hold it: you did not add it. Remove it unless you know it.')]),
    ...(removing
      ? [
          h(
            'div',
            { class: 'confirm' },
            h('p', { class: 'confirm-hint' }, `Remove “${passkey.name}”? It will no longer sign you in${passkey.current ? ', and this session ends' : ''}. Delete it from your password manager or device too.`),
            h(
              'div',
              { class: 'confirm-actions' },
              h('button', { class: 'button ghost', type: 'button', 'data-action': 'cancel' }, 'Cancel'),
              h('button', { class: 'button danger', type: 'button', 'data-action': 'confirm-remove', 'data-id': passkey.id }, 'Remove passkey'),
            ),
          ),
        ]
      : []),
  );
}

function nameForm(): HTMLFormElement {
  return h(
    'form',
    { class: 'confirm', 'data-form': 'name', novalidate: '' },
    h('label', { class: 'field' }, h('span', {}, 'Passkey name'), h('input', { id: 'passkey-name', name: 'name', type: 'text', value: defaultName(), maxlength: '60', autocomplete: 'off' })),
    h('p', { class: 'confirm-hint' }, 'Your browser or password manager asks to create the passkey; with it, you sign in by fingerprint, face or screen lock.'),
    h(
      'div',
      { class: 'confirm-actions' },
      h('button', { class: 'button ghost', type: 'button', 'data-action': 'cancel' }, 'Cancel'),
      h('button', { class: 'button primary', type: 'submit' }, 'Create passkey'),
    ),
  );
}

function passwordForm(pending: Pending, error: string | null): HTMLFormElement {
  const box = h('p', { class: 'error', role: 'alert' });
  showError(box, error);
  return h(
    'form',
    { class: 'confirm', 'data-form': 'password', novalidate: '' },
    h('label', { class: 'field' }, h('span', {}, 'add' in pending ? 'Your password, to add a passkey' : 'Your password, to remove a passkey'), h('input', { id: 'passkey-password', type: 'password', name: 'password', autocomplete: 'current-password' })),
    h('p', { class: 'confirm-hint' }, 'This session was opened without your password (or a while ago), so this asks for it once.'),
    box,
    h(
      'div',
      { class: 'confirm-actions' },
      h('button', { class: 'button ghost', type: 'button', 'data-action': 'cancel' }, 'Cancel'),
      h('button', { class: 'button primary', type: 'submit' }, 'Continue'),
    ),
  );
}

/** Wires the passkeys card of the Security view. */
export function passkeysView(options: PasskeysViewOptions): PasskeysView {
  const card = byId('passkey-card');
  const error = byId('passkey-error');
  const supported = typeof PublicKeyCredential === 'function';
  let passkeys: readonly Passkey[] = [];
  let state: Step = LIST;

  function render(): void {
    const body =
      state.step === 'codes'
        ? [recoveryCodesPanel({ codes: [...state.codes], userId: options.account.session?.userId ?? '', reason: 'passkey', onDone: () => void load() })]
        : state.step === 'name'
        ? [nameForm()]
        : state.step === 'password'
          ? [passwordForm(state.pending, state.error)]
          : supported
            ? [h('div', { class: 'factor-actions' }, h('button', { class: 'button ghost', type: 'button', 'data-action': 'add' }, 'Add a passkey'))]
            : [h('p', { class: 'factor-hint' }, 'This browser cannot make passkeys.')];
    const removing = state.step === 'list' ? state.removing : null;
    byId('passkey-list').replaceChildren(...passkeys.map((passkey) => passkeyItem(passkey, passkey.id === removing)));
    byId('passkey-empty').hidden = passkeys.length > 0;
    card.replaceChildren(...body);
    card.querySelector<HTMLInputElement>('input')?.focus();
  }

  async function load(): Promise<void> {
    state = LIST;
    try {
      passkeys = await options.account.run((s) => s.passkeys());
      showError(error, null);
    } catch (err) {
      if (isZeroVaultError(err, 'CLOSED')) return;
      console.error(err);
      showError(error, options.messageOf(err));
    }
    render();
  }

  async function add(name: string, currentPassword?: string): Promise<void> {
    options.setBusy(currentPassword === undefined ? 'Waiting for your passkey…' : 'Checking your password…');
    try {
      const added = await options.account.run((s) => s.addPasskey(currentPassword === undefined ? { name } : { name, currentPassword }));
      if (added.recoveryCodes === undefined) {
        await load();
        return;
      }
      passkeys = await options.account.run((s) => s.passkeys());
      state = { step: 'codes', codes: added.recoveryCodes };
    } catch (err) {
      if (isZeroVaultError(err, 'CLOSED')) return;
      if (isZeroVaultError(err, 'AUTH_FAILED')) {
        // Not a fresh password sign-in, or the browser's dialog was cancelled: the same error, so ask for the password (Cancel is there).
        state = { step: 'password', pending: { add: name }, error: currentPassword === undefined ? null : 'Wrong password, or the passkey dialog was cancelled.' };
      } else {
        console.error(err);
        state = LIST;
        showError(error, isZeroVaultError(err, 'UNSUPPORTED') ? 'This browser cannot make passkeys.' : isZeroVaultError(err, 'CONFLICT') ? 'This passkey is added already.' : options.messageOf(err));
      }
    } finally {
      options.setBusy(null);
    }
    render();
  }

  async function remove(id: string, currentPassword?: string): Promise<void> {
    options.setBusy(currentPassword === undefined ? 'Removing the passkey…' : 'Checking your password…');
    const own = passkeys.find((passkey) => passkey.id === id)?.current === true;
    try {
      await options.account.run((s) => s.removePasskey(id, currentPassword === undefined ? {} : { currentPassword }));
      // The passkey this session signed in with: zerovault closed the session with it.
      if (own) return options.account.ended('passkey-removed');
      await load();
      return;
    } catch (err) {
      if (isZeroVaultError(err, 'CLOSED')) return; // it was this session's passkey: the page says why it signed out
      if (isZeroVaultError(err, 'AUTH_FAILED')) {
        state = { step: 'password', pending: { remove: id }, error: currentPassword === undefined ? null : 'Wrong password.' };
      } else {
        console.error(err);
        state = LIST;
        showError(error, options.messageOf(err));
      }
    } finally {
      options.setBusy(null);
    }
    render();
  }


  const section = byId('passkeys');
  section.addEventListener('click', (event) => {
    const button = (event.target as Element).closest<HTMLButtonElement>('button[data-action]');
    if (button === null) return;
    showError(error, null);
    const action = button.dataset.action;
    if (action === 'confirm-remove' && button.dataset.id !== undefined) return void remove(button.dataset.id);
    state = action === 'add' ? { step: 'name' } : action === 'remove' ? { step: 'list', removing: button.dataset.id ?? null } : LIST;
    render();
  });
  section.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = (event.target as HTMLFormElement).querySelector<HTMLInputElement>('input')?.value.trim() ?? '';
    if (state.step === 'name') return void add(value === '' ? defaultName() : value);
    if (state.step === 'password') {
      if (value === '') return void ((state = { ...state, error: 'Enter your password.' }), render());
      const { pending } = state;
      return void ('add' in pending ? add(pending.add, value) : remove(pending.remove, value));
    }
  });

  return {
    show: load,
    clear() {
      passkeys = [];
      state = LIST;
      card.replaceChildren();
      byId('passkey-list').replaceChildren();
      showError(error, null);
    },
  };
}
