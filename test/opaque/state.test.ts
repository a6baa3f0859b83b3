/** Setup and state encodings: round trips, strict decoding, every bit flip of the header, truncations. */
import { describe, expect, test } from 'vitest';
import { toHex } from '../../src/crypto/bytes.js';
import * as opaque from '../../src/opaque/index.js';
import {
  decodeClientLoginState,
  decodeClientRegistrationState,
  decodeServerLoginState,
  encodeClientLoginState,
  encodeClientRegistrationState,
  encodeServerLoginState,
  getSuite,
} from '../../src/opaque/internal.js';
import { expectCode, flip } from './helpers.js';

describe.each(opaque.SUITE_NAMES)('%s', (suiteName) => {
  const s = getSuite(suiteName);

  test('server setup: encode(decode(x)) = x; documented length', () => {
    const setup = opaque.createServerSetup({ suite: suiteName });
    expect(setup.length).toBe(7 + s.Nh + s.Nsk + 2 * s.Npk);
    expect(toHex(setup.subarray(0, 7))).toBe(toHex(new Uint8Array([0x5a, 0x56, 0x4f, 0x50, 1, 1, s.id])));
    const decoded = opaque.decodeServerSetup(setup);
    expect(decoded.suite).toBe(suiteName);
    expect(toHex(opaque.encodeServerSetup(decoded))).toBe(toHex(setup));
    expect(toHex(opaque.getServerPublicKey(setup))).toBe(toHex(decoded.serverPublicKey));
  });

  test('server setup: a public key that does not match the private key is rejected', async () => {
    const a = opaque.decodeServerSetup(opaque.createServerSetup({ suite: suiteName }));
    const b = opaque.decodeServerSetup(opaque.createServerSetup({ suite: suiteName }));
    await expectCode(() => opaque.encodeServerSetup({ ...a, serverPublicKey: b.serverPublicKey }), 'INVALID_INPUT');
    const bytes = opaque.encodeServerSetup(a);
    const tampered = Uint8Array.from(bytes);
    tampered.set(b.serverPublicKey, 7 + s.Nh + s.Nsk);
    await expectCode(() => opaque.decodeServerSetup(tampered), 'INVALID_INPUT');
  });

  test('client registration state round trip', () => {
    const blind = s.group.randomScalar();
    const blinded = s.group.publicKey(s.group.randomScalar());
    const bytes = encodeClientRegistrationState({ suite: s, blind, blinded });
    expect(bytes.length).toBe(7 + s.Nsk + s.Noe);
    const back = decodeClientRegistrationState(bytes);
    expect(back.suite.name).toBe(suiteName);
    expect(toHex(back.blind)).toBe(toHex(blind));
    expect(toHex(back.blinded)).toBe(toHex(blinded));
  });

  test('client login state round trip (via startLogin)', async () => {
    const { state, request } = await opaque.startLogin({ password: 'pw', suite: suiteName });
    expect(state.length).toBe(7 + 2 * s.Nsk + request.length);
    const back = decodeClientLoginState(state);
    expect(toHex(back.state.ke1)).toBe(toHex(request));
    expect(toHex(encodeClientLoginState(back.suite, back.state))).toBe(toHex(state));
  });

  test('server login state round trip', () => {
    const expectedClientMac = new Uint8Array(s.Nm).fill(1);
    const sessionKey = new Uint8Array(s.Nx).fill(2);
    const bytes = encodeServerLoginState({ suite: s, expectedClientMac, sessionKey });
    expect(bytes.length).toBe(7 + s.Nm + s.Nx);
    const back = decodeServerLoginState(bytes);
    expect(toHex(back.expectedClientMac)).toBe(toHex(expectedClientMac));
    expect(toHex(back.sessionKey)).toBe(toHex(sessionKey));
  });

  test('every bit flip in the header and every truncation is a typed error', async () => {
    const setup = opaque.createServerSetup({ suite: suiteName });
    for (let i = 0; i < 7; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const err = await Promise.resolve()
          .then(() => opaque.decodeServerSetup(flip(setup, i, bit)))
          .catch((e: unknown) => e);
        const code = (err as { code?: unknown }).code;
        expect(['INVALID_INPUT', 'UNSUPPORTED'], `byte ${i} bit ${bit}`).toContain(code);
      }
    }
    for (let n = 0; n < setup.length; n++) await expectCode(() => opaque.decodeServerSetup(setup.subarray(0, n)), 'INVALID_INPUT');
    await expectCode(() => opaque.decodeServerSetup(new Uint8Array([...setup, 0])), 'INVALID_INPUT');
  });
});

test('unknown version and suite are UNSUPPORTED; wrong magic and kind are INVALID_INPUT', async () => {
  const setup = opaque.createServerSetup();
  const version = Uint8Array.from(setup);
  version[4] = 2;
  await expectCode(() => opaque.decodeServerSetup(version), 'UNSUPPORTED');
  const suite = Uint8Array.from(setup);
  suite[6] = 9;
  await expectCode(() => opaque.decodeServerSetup(suite), 'UNSUPPORTED');
  const magic = Uint8Array.from(setup);
  magic[0] = 0;
  await expectCode(() => opaque.decodeServerSetup(magic), 'INVALID_INPUT');
  const kind = Uint8Array.from(setup);
  kind[5] = 4;
  await expectCode(() => opaque.decodeServerSetup(kind), 'INVALID_INPUT');
});

test("decoding never wipes or aliases the caller's buffer (Node Buffer#slice shares memory)", async () => {
  const { Buffer } = await import('node:buffer');
  const setup = opaque.createServerSetup();
  const asBuffer = Buffer.from(setup);
  const decoded = opaque.decodeServerSetup(asBuffer);
  expect(toHex(asBuffer)).toBe(toHex(setup));
  decoded.oprfSeed.fill(0);
  expect(toHex(asBuffer)).toBe(toHex(setup));
  const { state } = await opaque.startLogin({ password: 'pw' });
  const stateBuffer = Buffer.from(state);
  decodeClientLoginState(stateBuffer);
  expect(toHex(stateBuffer)).toBe(toHex(state));
});
