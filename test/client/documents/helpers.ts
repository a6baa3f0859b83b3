/**
 * Documents test helpers: a session of an in-process server and the todos
 * schema of the issue.
 */
import type { Session } from '../../../src/client/index.js';
import type { DocumentSchema } from '../../../src/client/documents/types.js';
import { clientOf, newServer } from '../helpers.js';

export const PASSWORD = 'correct horse battery staple';

/** The schema of issue 16's example. */
export const TODOS = {
  collection: 'todos',
  version: 1,
  expectedRows: 100_000,
  fields: {
    title: { encrypt: true, index: 'words' },
    email: { encrypt: true, index: 'exact' },
    notes: { encrypt: true },
    done: 'signed',
    due: 'clear',
  },
} as const satisfies DocumentSchema;

/** A todo as the app holds it. */
export interface Todo {
  title: string;
  email?: string;
  notes?: unknown;
  done: boolean;
  due?: string | null;
}

/** A fresh account on a fresh in-process server. */
export async function newSession(userId = 'alice'): Promise<Session> {
  return clientOf(newServer()).register({ userId, password: PASSWORD });
}

/** The error code of a rejected promise (or `undefined` when it resolves). */
export async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}
