/**
 * The ten recovery codes, shown once: right after two-step verification is
 * turned on, or after "New recovery codes". The server keeps only their
 * hashes, so this is the one moment they can be read. The person copies or
 * downloads them and ticks "I saved them" before the panel lets go; until
 * then a reload asks first (see `security.ts`).
 */
import { h } from './view.js';

/** What {@link recoveryCodesPanel} shows and whom it tells when the person is done. */
export interface RecoveryCodesPanelOptions {
  readonly codes: readonly string[];
  /** The account, written at the top of the downloaded file. */
  readonly userId: string;
  /** Why they are shown: a first set, or a new set that voids the old one. */
  readonly reason: 'enabled' | 'regenerated' | 'passkey';
  /** "I saved them" was ticked and Done clicked. */
  readonly onDone: () => void;
}

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

/** The downloaded file: plain text a person can print. */
function fileText(codes: readonly string[], userId: string): string {
  return [
    `Vault Notes recovery codes for ${userId}`,
    `Made ${dateTime.format(Date.now())}`,
    '',
    'Each code signs you in once, in place of a code from your authenticator app.',
    'Keep them somewhere safe. They are not your recovery key: they do not unlock your notes without your password.',
    '',
    ...codes.map((code, i) => `${String(i + 1).padStart(2, ' ')}. ${code}`),
    '',
  ].join('\n');
}

/** Saves `text` as a file through the browser's download. */
function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const link = h('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once started.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const HEADINGS = {
  enabled: 'Two-step verification is on. Save your recovery codes',
  regenerated: 'Your new recovery codes',
  passkey: 'Your passkey is now your second step. Save your recovery codes',
} as const;

const TEXTS = {
  enabled:
    'If you lose your phone, each of these codes signs you in once instead of a code from the app. They are shown only now: the server keeps them hashed and cannot show them again.',
  regenerated: 'Your old recovery codes no longer work. Each of these signs you in once instead of a code from the app. They are shown only now.',
  passkey:
    'Signing in with your password now also asks for this passkey. If you lose it, each of these codes signs you in once instead. They are shown only now: the server keeps them hashed and cannot show them again.',
} as const;

/** The panel with the codes, Copy, Download and "I saved them". */
export function recoveryCodesPanel(options: RecoveryCodesPanelOptions): HTMLElement {
  const status = h('span', { class: 'codes-status', role: 'status' });
  const copy = h('button', { class: 'button ghost', type: 'button' }, 'Copy codes');
  const save = h('button', { class: 'button ghost', type: 'button' }, 'Download .txt');
  const saved = h('input', { type: 'checkbox', id: 'codes-saved' });
  const done = h('button', { class: 'button primary', type: 'button', disabled: '' }, 'Done');
  const text = fileText(options.codes, options.userId);

  copy.addEventListener('click', () => {
    navigator.clipboard.writeText(text).then(
      () => (status.textContent = 'Copied. Paste them into your password manager.'),
      () => (status.textContent = 'This browser would not copy. Download them or write them down.'),
    );
  });
  save.addEventListener('click', () => {
    download('vault-notes-recovery-codes.txt', text);
    status.textContent = 'Downloaded. Move the file somewhere safe, away from this computer.';
  });
  saved.addEventListener('change', () => {
    done.disabled = !saved.checked;
  });
  done.addEventListener('click', () => {
    if (saved.checked) options.onDone();
  });

  return h(
    'div',
    { class: 'codes-panel', id: 'recovery-codes-panel' },
    h('h3', {}, HEADINGS[options.reason]),
    h('p', { class: 'factor-text' }, TEXTS[options.reason]),
    h('ol', { class: 'codes', id: 'recovery-codes', 'aria-label': 'Recovery codes' }, ...options.codes.map((code) => h('li', {}, h('code', {}, code)))),
    h('p', { class: 'factor-hint' }, 'They are not your recovery key: a recovery code replaces your second step, never your password.'),
    h('div', { class: 'codes-actions' }, copy, save, status),
    h('label', { class: 'check' }, saved, h('span', {}, 'I saved these codes somewhere safe')),
    h('div', { class: 'factor-actions' }, done),
  );
}
