/**
 * Defect 2 of the client-core rebuild: a record deleted by another device of
 * the same account reads as `NOT_FOUND` there, also when the deleting device
 * never read the record first. A store that drops a record is still `ROLLBACK`.
 */
import { describe, expect, test } from 'vitest';
import { utf8 } from '../../../src/crypto/bytes.js';
import { memoryStore } from '../../../src/store/memory.js';
import { clientOf, newServer } from '../helpers.js';

const PASSWORD = 'correct horse battery staple';

describe('delete across devices', () => {
  test('a delete by a device that never read the record is NOT_FOUND on the device that did', async () => {
    const server = newServer();
    const store = memoryStore();
    const a = await clientOf(server, { store }).register({ userId: 'alice', password: PASSWORD });
    const notesA = await a.vault('notes');
    await notesA.put('r', utf8('one'));
    await notesA.put('r', utf8('two'));
    expect((await notesA.get('r')).data).toEqual(utf8('two'));

    const b = await clientOf(server, { store }).login({ userId: 'alice', password: PASSWORD });
    const notesB = await b.vault('notes');
    await notesB.delete('r'); // device B never read `r`

    await expect(notesA.get('r')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(notesB.get('r')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // A later write and read of the same id works on both devices.
    await notesA.put('r', utf8('three'));
    expect((await notesB.get('r')).data).toEqual(utf8('three'));
    await a.logout();
    await b.logout();
  });

  test('a conditional delete of a stale version is CONFLICT and deletes nothing', async () => {
    const server = newServer();
    const store = memoryStore();
    const s = await clientOf(server, { store }).register({ userId: 'bob', password: PASSWORD });
    const v = await s.vault('notes');
    const first = await v.put('r', utf8('one'));
    await v.put('r', utf8('two'));
    await expect(v.delete('r', { ifVersion: first.version })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await v.get('r')).data).toEqual(utf8('two'));
    await v.delete('r');
    await v.delete('r'); // deleting what is gone is done
    await expect(v.get('r')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await s.logout();
  });

  test('a record the store dropped (no delete by any device) is still ROLLBACK', async () => {
    const server = newServer();
    const store = memoryStore();
    const s = await clientOf(server, { store }).register({ userId: 'carol', password: PASSWORD });
    const v = await s.vault('notes');
    await v.put('r', utf8('kept'));
    await store.delete('notes', 'r'); // the store, not a device
    await expect(v.get('r')).rejects.toMatchObject({ code: 'ROLLBACK' });
    await s.logout();
  });
});
