/**
 * The sign-in form's second step: once the password was right and the
 * account has two-step verification, the form asks for the 6-digit code
 * (or, after "Use a recovery code instead", a recovery code). The password
 * stays where it was, so it is never typed twice.
 */
import { isZeroVaultError, type Session } from 'zerovault';
import type { Account, SignInOptions } from './account.js';
import { codeRefusal, recoveryCode, totpCode, type SecondFactor } from './codes.js';
import { byId, nextFrame, showError } from './view.js';

/** Thrown into the sign-in when the person clicks Cancel on the code step. */
export class SignInCancelled extends Error {
  constructor() {
    super('sign-in cancelled');
    this.name = 'SignInCancelled';
  }
}

/** A code was refused for good (too many tries): `text` says so in words. */
export class CodeRefused extends Error {
  readonly text: string;
  constructor(text: string, cause: unknown) {
    super('code refused', { cause });
    this.name = 'CodeRefused';
    this.text = text;
  }
}

/** The code step's handle for the page. */
export interface FactorStep {
  /**
   * Shows the step (with `error`, if the last code was refused) and resolves
   * with what the person typed.
   * @throws {SignInCancelled} when they click Cancel
   */
  ask(error: string | null): Promise<SecondFactor>;
  /** Hides the step; the password form shows again. */
  hide(): void;
}

/** Wires the code step of the sign-in card. */
export function factorStep(): FactorStep {
  const form = byId<HTMLFormElement>('mfa-form');
  const authForm = byId<HTMLFormElement>('auth-form');
  const tabs = document.querySelector<HTMLElement>('#auth-panel .tabs');
  const lead = byId('mfa-lead');
  const totpField = byId('mfa-totp-field');
  const recoveryField = byId('mfa-recovery-field');
  const code = byId<HTMLInputElement>('mfa-code');
  const recovery = byId<HTMLInputElement>('mfa-recovery');
  const error = byId('mfa-error');
  const toggle = byId<HTMLButtonElement>('mfa-switch');
  let useRecovery = false;
  let pending: { resolve: (factor: SecondFactor) => void; reject: (err: Error) => void } | null = null;

  function setKind(recoveryInstead: boolean): void {
    useRecovery = recoveryInstead;
    totpField.hidden = recoveryInstead;
    recoveryField.hidden = !recoveryInstead;
    toggle.textContent = recoveryInstead ? 'Use the authenticator app instead' : 'Use a recovery code instead';
    lead.textContent = recoveryInstead
      ? 'Your password is right. Enter one of the recovery codes you saved when you set up two-step verification. Each works once.'
      : 'Your password is right. Open your authenticator app and enter the 6-digit code it shows for Vault Notes.';
    (recoveryInstead ? recovery : code).focus();
  }

  function hide(): void {
    form.hidden = true;
    authForm.hidden = false;
    if (tabs !== null) tabs.hidden = false;
    code.value = '';
    recovery.value = '';
    showError(error, null);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (pending === null) return;
    const factor = useRecovery ? recoveryCode(recovery.value) : totpCode(code.value);
    if (factor === null) {
      showError(error, useRecovery ? 'A recovery code has 16 letters and digits, like ABCD-EFGH-JKMN-PQRS.' : 'Type the 6 digits your app shows.');
      return;
    }
    const { resolve } = pending;
    pending = null;
    resolve(useRecovery ? { recoveryCode: factor } : { totp: factor });
  });
  toggle.addEventListener('click', () => {
    showError(error, null);
    setKind(!useRecovery);
  });
  byId('mfa-cancel').addEventListener('click', () => {
    const waiting = pending;
    pending = null;
    hide();
    waiting?.reject(new SignInCancelled());
  });

  return {
    ask(message) {
      pending?.reject(new SignInCancelled());
      authForm.hidden = true;
      if (tabs !== null) tabs.hidden = true;
      form.hidden = false;
      code.value = '';
      recovery.value = '';
      showError(error, message);
      setKind(useRecovery);
      return new Promise<SecondFactor>((resolve, reject) => {
        pending = { resolve, reject };
      });
    },
    hide() {
      pending = null;
      useRecovery = false;
      hide();
    },
  };
}

/** What {@link signInWithCode} needs. */
export interface CodeSignInOptions {
  readonly account: Account;
  readonly step: FactorStep;
  readonly setBusy: (text: string | null) => void;
  readonly credentials: Omit<SignInOptions, 'secondFactor'>;
}

/**
 * Signs in with the password, and the code step when the account has
 * two-step verification. A refused code asks again with the password still
 * in hand (a new sign-in, so the server's per-sign-in limit of tries never
 * strands the person); past the account's limit it gives up with words.
 * @throws {SignInCancelled} on Cancel; {@link CodeRefused} past the limits; otherwise the sign-in's error
 */
export async function signInWithCode(options: CodeSignInOptions): Promise<Session> {
  const { credentials, setBusy, step } = options;
  let refused: string | null = null;
  for (;;) {
    let asked = null as SecondFactor | null; // set inside the callback: no narrowing to `null`
    let cancelled = false; // known here, whatever the client makes of the callback's throw
    setBusy(credentials.mode === 'signup' ? 'Creating your keys…' : refused === null ? 'Unlocking your notes…' : 'Checking your password again…');
    await nextFrame();
    try {
      const session = await options.account.signIn({
        ...credentials,
        secondFactor: async () => {
          setBusy(null);
          asked = await step.ask(refused).catch((err: unknown) => {
            cancelled = err instanceof SignInCancelled;
            throw err;
          });
          setBusy('totp' in asked ? 'Checking the code…' : 'Checking the recovery code…');
          return asked;
        },
      });
      step.hide();
      return session;
    } catch (err) {
      if (cancelled) throw new SignInCancelled();
      const message = asked === null ? null : codeRefusal(err, 'totp' in asked ? 'totp' : 'recovery');
      if (message !== null && isZeroVaultError(err, 'AUTH_FAILED')) {
        refused = message; // the password was right: ask for the code again
        continue;
      }
      step.hide();
      throw message === null ? err : new CodeRefused(message, err);
    }
  }
}
