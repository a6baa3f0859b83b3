/**
 * Recovery codes and sealed TOTP secrets (`src/server/mfa-secrets.ts`): the
 * text format, its canonical form, the keyed hash, and the AAD binding of a
 * sealed secret to its user.
 */
import { describe, expect, test } from 'vitest';
import { createServerSetup } from '../../src/server/index.js';
import { canonicalRecoveryCode, hashRecoveryCode, mfaKeys, newRecoveryCode, openTotpSecret, sealTotpSecret } from '../../src/server/mfa-secrets.js';

const FORMAT = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

describe('recovery codes', () => {
  test('are 16 Crockford base32 characters in groups of four, and all different', () => {
    const codes = Array.from({ length: 200 }, newRecoveryCode);
    for (const code of codes) expect(code).toMatch(FORMAT);
    expect(new Set(codes).size).toBe(200);
    // Every character of the alphabet shows up: 80 bits, not fewer.
    expect(new Set(codes.join('').replace(/-/g, '')).size).toBe(32);
  });

  test('canonical form ignores case, hyphens and spaces, and reads O as 0 and I, L as 1', () => {
    expect(canonicalRecoveryCode('ABCD-EFGH-JKMN-PQRS')).toBe('ABCDEFGHJKMNPQRS');
    expect(canonicalRecoveryCode('abcd efgh jkmn pqrs')).toBe('ABCDEFGHJKMNPQRS');
    expect(canonicalRecoveryCode('O0Il-0000-0000-0000')).toBe('0011000000000000');
    for (const bad of ['', 'ABCD-EFGH-JKMN-PQR', 'ABCD-EFGH-JKMN-PQRST', 'ABCD-EFGH-JKMN-PQRU', 'ABCD_EFGH_JKMN_PQRS', 'x'.repeat(65)]) {
      expect(canonicalRecoveryCode(bad), bad).toBeNull();
    }
  });

  test('hashes depend on the server setup, the user and the code', async () => {
    const keys = await mfaKeys(createServerSetup());
    const other = await mfaKeys(createServerSetup());
    const h = hashRecoveryCode(keys, 'alice', 'ABCDEFGHJKMNPQRS');
    expect(h).toHaveLength(32);
    expect(hashRecoveryCode(keys, 'alice', 'ABCDEFGHJKMNPQRS')).toEqual(h);
    expect(hashRecoveryCode(keys, 'bob', 'ABCDEFGHJKMNPQRS')).not.toEqual(h);
    expect(hashRecoveryCode(keys, 'alice', 'ABCDEFGHJKMNPQRT')).not.toEqual(h);
    expect(hashRecoveryCode(other, 'alice', 'ABCDEFGHJKMNPQRS')).not.toEqual(h);
  });
});

describe('sealed TOTP secrets', () => {
  test('open for their user under the same setup only', async () => {
    const setup = createServerSetup();
    const keys = await mfaKeys(setup);
    const secret = Uint8Array.from({ length: 20 }, (_, i) => i);
    const sealed = await sealTotpSecret(keys, 'alice', secret);
    expect(await openTotpSecret(keys, 'alice', sealed)).toEqual(secret);
    expect(await openTotpSecret(await mfaKeys(setup), 'alice', sealed)).toEqual(secret);
    await expect(openTotpSecret(keys, 'bob', sealed)).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    await expect(openTotpSecret(await mfaKeys(createServerSetup()), 'alice', sealed)).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
  });
});
