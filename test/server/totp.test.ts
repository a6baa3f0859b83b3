/**
 * The server's OTP functions (`src/server/totp.ts`) against outside
 * material: RFC 4226 Appendix D (HOTP) and RFC 6238 Appendix B (TOTP, all
 * three hashes, with the per-hash seeds of errata 2866), read from the shared
 * vectors folder; then the verification window and the secret/URI codecs.
 */
import { Secret, TOTP } from 'otpauth';
import { describe, expect, test } from 'vitest';
import { fromHex } from '../../src/crypto/bytes.js';
import { base32Secret, hotp, totp, totpStep, totpUri, verifyTotp, type OtpAlgorithm } from '../../src/server/totp.js';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';

interface HotpVectors {
  secret_hex: string;
  digits: number;
  cases: { count: number; hotp: string }[];
}

interface TotpVectors {
  X: number;
  digits: number;
  seeds_hex: Record<'SHA1' | 'SHA256' | 'SHA512', string>;
  cases: { time: number; T_hex: string; totp: string; mode: 'SHA1' | 'SHA256' | 'SHA512' }[];
}

describeVectors('RFC 4226 Appendix D through hotp()', 'rfc4226-hotp/rfc4226_appendixD.json', () => {
  const vectors = readVectorJson<HotpVectors>('rfc4226-hotp/rfc4226_appendixD.json');
  test('holds its 10 cases', () => {
    expect(vectors.cases).toHaveLength(10);
  });
  for (const c of vectors.cases) {
    test(`count ${c.count} → ${c.hotp}`, () => {
      expect(hotp({ secret: fromHex(vectors.secret_hex), counter: c.count, digits: vectors.digits, algorithm: 'SHA1' })).toBe(c.hotp);
    });
  }
});

describeVectors('RFC 6238 Appendix B through totp() and verifyTotp()', 'rfc6238-totp/rfc6238_appendixB.json', () => {
  const vectors = readVectorJson<TotpVectors>('rfc6238-totp/rfc6238_appendixB.json');
  test('holds its 18 cases', () => {
    expect(vectors.cases).toHaveLength(18);
  });
  for (const c of vectors.cases) {
    test(`${c.mode} at ${c.time} → ${c.totp}`, () => {
      const options = { secret: fromHex(vectors.seeds_hex[c.mode]), algorithm: c.mode, digits: vectors.digits, period: vectors.X };
      const timestampMs = c.time * 1000;
      expect(totpStep(timestampMs, vectors.X)).toBe(Number.parseInt(c.T_hex, 16));
      expect(totp({ ...options, timestampMs })).toBe(c.totp);
      expect(verifyTotp({ ...options, code: c.totp, timestampMs, window: 0 })).toBe(Number.parseInt(c.T_hex, 16));
    });
  }
});

describe('verifyTotp', () => {
  const secret = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
  const now = 1_800_000_015_000;
  const step = totpStep(now);
  const at = (offsetSteps: number): string => totp({ secret, timestampMs: now + offsetSteps * 30_000 });

  test('accepts the current step and one either side, and says which step matched', () => {
    expect(verifyTotp({ secret, code: at(0), timestampMs: now })).toBe(step);
    expect(verifyTotp({ secret, code: at(-1), timestampMs: now })).toBe(step - 1);
    expect(verifyTotp({ secret, code: at(1), timestampMs: now })).toBe(step + 1);
    expect(verifyTotp({ secret, code: at(2), timestampMs: now })).toBeNull();
    expect(verifyTotp({ secret, code: at(-2), timestampMs: now })).toBeNull();
  });

  test('a code that is not exactly six ASCII digits is simply wrong', () => {
    const good = at(0);
    for (const code of ['', `${good}0`, good.slice(1), ` ${good.slice(1)}`, '１２３４５６', '12345a', '-12345']) {
      expect(verifyTotp({ secret, code, timestampMs: now }), JSON.stringify(code)).toBeNull();
    }
  });

  test('codes match what an authenticator app computes from the URI', () => {
    const uri = totpUri({ secret, issuer: 'Example', account: 'alice@example.com' });
    expect(uri).toBe(`otpauth://totp/Example:alice%40example.com?issuer=Example&secret=${base32Secret(secret)}&algorithm=SHA1&digits=6&period=30`);
    const app = new TOTP({ secret: Secret.fromBase32(base32Secret(secret)) });
    expect(app.generate({ timestamp: now })).toBe(at(0));
  });

  test('rejects bad parameters with INVALID_INPUT', () => {
    expect(() => hotp({ secret: new Uint8Array(0), counter: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => hotp({ secret, counter: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => totp({ secret, timestampMs: now, digits: 5 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => totp({ secret, timestampMs: now, algorithm: 'MD5' as OtpAlgorithm })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => verifyTotp({ secret, code: '123456', timestampMs: now, window: 11 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
