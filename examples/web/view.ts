/**
 * DOM rendering for the notes page. Everything user-provided goes in through
 * `textContent`, never HTML.
 */

/** A decrypted note as the page shows it. */
export interface Note {
  readonly id: string;
  readonly title: string;
  readonly body: string;
  /** Milliseconds since the epoch. */
  readonly updated: number;
  /** The record's store version (what `ifVersion` checks). */
  readonly version: number;
}

/** One row of the server's blob store, from the example server's dev route. */
export interface StoredRow {
  readonly vault: string;
  readonly id: string;
  readonly version: number;
  readonly size: number;
  readonly base64: string;
}

/** The element with this id; the page is static, so a missing one is a bug. */
export function byId<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`#${id} is missing from the page`);
  return found as T;
}

type Child = Node | string;

/** A new element with classes, attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: { class?: string; [attr: string]: string | undefined } = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined) continue;
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

/** Shows `message` in an error box, or hides it. */
export function showError(box: HTMLElement, message: string | null): void {
  box.textContent = message ?? '';
  box.hidden = message === null;
}

/** Shows the busy overlay with `text`, or hides it. */
export function setBusy(text: string | null): void {
  byId('busy-text').textContent = text ?? '';
  byId('busy').hidden = text === null;
}

/** Lets the busy overlay paint before Argon2id keeps the main thread busy. */
export const nextFrame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** Renders the notes, newest first, with Edit and Delete buttons carrying the note id. */
export function renderNotes(notes: readonly Note[]): void {
  const list = byId<HTMLUListElement>('note-list');
  list.replaceChildren(
    ...[...notes]
      .sort((a, b) => b.updated - a.updated)
      .map((note) =>
        h(
          'li',
          { class: 'note', 'data-id': note.id },
          h('div', { class: 'note-top' }, h('h3', {}, note.title || 'Untitled'), h(
              'span',
              { class: 'note-meta' },
              h('span', { class: 'note-id', title: 'Record id on the server' }, note.id),
              h('span', { class: 'note-version' }, `v${note.version}`),
              ` · ${timeFormat.format(note.updated)}`,
            ),),
          h('p', { class: 'note-body' }, note.body),
          h(
            'div',
            { class: 'note-actions' },
            h('button', { class: 'link', type: 'button', 'data-action': 'edit', 'data-id': note.id, 'aria-label': `Edit ${note.title}` }, 'Edit'),
            h('button', { class: 'link danger', type: 'button', 'data-action': 'delete', 'data-id': note.id, 'aria-label': `Delete ${note.title}` }, 'Delete'),
          ),
        ),
      ),
  );
  byId('empty').hidden = notes.length > 0;
  byId('note-count').textContent = notes.length === 0 ? '' : `${notes.length} encrypted ${notes.length === 1 ? 'note' : 'notes'}`;
}

/** What zerovault's own records are, for the server panel. */
function labelOf(row: StoredRow): string {
  if (row.vault === '_zv' && row.id === 'keyring') return 'Keyring: vault keys and identity keys, sealed under your root key';
  if (row.vault === '_zv' && row.id === 'password-slot') return 'Unlock slot: your root key, wrapped by the OPAQUE export key';
  if (row.vault === '_zv' && row.id === 'devices') return 'Device list: names and public keys of your remembered devices, sealed under your root key';
  if (row.vault === '_zv' && row.id.startsWith('device-slot.')) return 'Device slot: your root key, sealed to one remembered device’s key (its secret never leaves that browser)';
  if (row.vault === '_zv' && row.id === 'passkeys') return 'Passkey list: names and ids of your passkeys, sealed under your root key';
  if (row.vault === '_zv' && row.id.startsWith('passkey-slot.')) return 'Passkey slot: your root key, sealed to a key that only this passkey’s PRF output opens (it never leaves the browser)';
  if (row.vault === '_zv' && row.id === 'security-log') return 'Activity pin: the last security-log entry your devices checked, sealed (a shortened or rewritten log is caught)';
  if (row.id === '_zv.manifest') return 'Vault manifest (rollback detection), sealed';
  return 'A sealed record: wrapped data key, nonce, commitment, ciphertext';
}

function rowItem(row: StoredRow, label: boolean): HTMLLIElement {
  return h(
    'li',
    { class: 'row', 'data-vault': row.vault, 'data-id': row.id },
    h('div', { class: 'row-top' }, h('span', { class: 'row-key' }, h('span', { class: 'vault' }, `${row.vault}/`), row.id), h('span', { class: 'row-meta' }, `v${row.version} · ${row.size} B`)),
    ...(label ? [h('div', { class: 'row-label' }, labelOf(row))] : []),
    h('code', { class: 'cipher' }, row.base64),
  );
}

/** Renders the server's rows: the notes first, then zerovault's account records; `null` when logged out. */
export function renderServerRows(rows: readonly StoredRow[] | null): void {
  const container = byId('server-rows');
  const sub = byId('server-sub');
  if (rows === null) {
    container.replaceChildren();
    sub.textContent = 'Sign in to see the rows the server keeps for your account.';
    return;
  }
  const notes = rows.filter((row) => row.vault === 'notes' && !row.id.startsWith('_zv'));
  const meta = rows.filter((row) => !notes.includes(row));
  const bytes = rows.reduce((n, row) => n + row.size, 0);
  sub.textContent = `${rows.length} rows, ${bytes.toLocaleString('en')} bytes — base64 of exactly what is stored.`;
  container.replaceChildren(
    h('div', { class: 'group-title' }, `Your notes · vault "notes" · ${notes.length}`),
    notes.length === 0 ? h('p', { class: 'row-label' }, 'Nothing yet.') : h('ul', { class: 'rows', id: 'note-rows' }, ...notes.map((row) => rowItem(row, false))),
    h('div', { class: 'group-title' }, 'Account records zerovault keeps'),
    h('ul', { class: 'rows', id: 'meta-rows' }, ...meta.map((row) => rowItem(row, true))),
  );
}
