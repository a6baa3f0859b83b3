/**
 * Size budgets of the browser entry points (minified + gzipped, what loads up
 * front; the Argon2id WASM is a chunk loaded at the first KSF call; see
 * scripts/size.ts for how they are measured). A failure
 * names the overage and what dominates the bundle.
 */
import { beforeAll, expect, test } from 'vitest';
import { BUDGETS, KB, formatReport, measureSizes, topContributors, type Bundle, type SizeReport } from '../scripts/size.js';

let report: SizeReport;

beforeAll(async () => {
  report = await measureSizes();
  console.log(`\nBundle sizes (esbuild, browser, minified, gzip -9):\n${formatReport(report)}\n`);
}, 120_000);

function explain(name: string, gzipped: number, budget: number, bundle: Bundle): string {
  const over = gzipped - budget;
  const top = topContributors(bundle, 'file', 6)
    .map(({ name: n, bytes }) => `${n} (${(bytes / KB).toFixed(1)} KB min)`)
    .join(', ');
  return `${name}: ${gzipped} B gzipped, budget ${budget} B, ${over > 0 ? `over by ${over} B` : 'within'}; largest inputs: ${top}`;
}

test('the bundles are built for the browser: WebCrypto backend, no Node built-in', () => {
  for (const bundle of [report.core, report.seal, report.coreWithIdb, report.record]) {
    const inputs = Object.keys(bundle.inputs);
    expect(inputs).toContain('src/crypto/backend-web.ts');
    expect(inputs).not.toContain('src/crypto/backend-node.ts');
    expect(inputs.filter((path) => path.startsWith('node:'))).toEqual([]);
  }
});

test('the Argon2id WASM is a chunk loaded at the first KSF call, outside the budget, and measured', () => {
  const inputs = Object.keys(report.core.inputs);
  expect(inputs).toContain('src/crypto/ksf.ts');
  expect(inputs.filter((path) => path.startsWith('src/crypto/argon2id-wasm') || path.includes('@noble/hashes/blake2'))).toEqual([]);
  // The KSF chunk: the two inlined kernels (~8 KB of WASM as base64url) and the segment loop.
  expect(report.core.ksf).toBeGreaterThan(5 * KB);
  expect(report.core.ksf).toBeLessThan(15 * KB);
  expect(report.seal.ksf).toBe(0);
});

test('P-256 is not loaded up front by the core entry: the client imports it with the P256-SHA256 suite', () => {
  const inputs = Object.keys(report.core.inputs);
  expect(inputs).not.toContain('src/crypto/group-p256.ts');
  expect(inputs.filter((path) => path.includes('@noble/curves/nist') || path.includes('abstract/weierstrass'))).toEqual([]);
  expect(report.core.lazy).toBeGreaterThan(0);
});

test(`zerovault core ≤ ${BUDGETS.core / KB} KB min+gz`, () => {
  expect(report.core.gzipped, explain('zerovault', report.core.gzipped, BUDGETS.core, report.core)).toBeLessThanOrEqual(BUDGETS.core);
});

// What keeps the core within budget: code a page needs only later arrives through import().
// A static import that pulls one of these back up front fails here by name.
test('the core entry loads OPAQUE at the first login and sharing code only when used, not up front', () => {
  const inputs = Object.keys(report.core.inputs);
  expect(inputs).toContain('src/index.ts');
  const lazy = [
    'src/opaque/client.ts',
    'src/crypto/group.ts',
    'src/client/sharing/index.ts',
    'src/client/sharing/directory.ts',
    'src/client/sharing/owned-sharing.ts',
    'src/client/sharing/owned-vault.ts',
    'src/client/sharing/member-host.ts',
    'src/client/sharing/grant.ts',
    'src/formats/grant.ts',
    'src/formats/membership.ts',
    'src/formats/key-event.ts',
    'src/formats/safety-number.ts',
    // Opening or creating a keyring derives Ed25519 keys: that curve code arrives with the first login.
    'src/client/account/keyring-store.ts',
    'src/envelope/keyring-new.ts',
    'src/envelope/keyring-codec.ts',
    'src/crypto/ed25519.ts',
    // session.fetch: the DPoP key, proofs and tokens arrive with its first call, with jose.
    'src/client/account/app-fetch.ts',
    'src/client/account/dpop.ts',
    // Remembered devices: with the first rememberDevice, resume, password login or device call.
    'src/client/devices/index.ts',
    'src/client/devices/local-idb.ts',
    'src/client/devices/manage.ts',
    'src/formats/device.ts',
    'src/formats/device-slot.ts',
    'src/formats/device-registry.ts',
    // Second factors: with the first pending login or MFA call.
    'src/client/mfa/index.ts',
    'src/client/mfa/verify.ts',
    'src/client/mfa/manage.ts',
    'src/client/mfa/codes.ts',
    // Passkeys: with the first addPasskey, passkeys(), removePasskey or loginWithPasskey.
    'src/client/passkeys/index.ts',
    'src/client/passkeys/checks.ts',
    'src/client/devices/checks.ts',
    // The OPAQUE steps and the password unlock: with the first login or registration.
    'src/client/account/auth.ts',
    'src/client/account/unlock.ts',
    'src/client/account/slots.ts',
    // Rare credential flows: with the first changePassword, createRecoveryKey, recover, re-login or rotateRootKey.
    'src/client/credentials/index.ts',
    'src/client/credentials/replace.ts',
    'src/client/credentials/recover.ts',
    'src/client/credentials/recovery-slot.ts',
    'src/client/credentials/rotate.ts',
    'src/client/credentials/reseal.ts',
    'src/formats/recovery-slot.ts',
    'src/formats/root-chain.ts',
    'src/client/account/root-chain.ts',
    'src/client/devices/rotate.ts',
    'src/client/passkeys/rotate.ts',
    // Rotation sweeps: with the first rotate or eager revoke.
    'src/client/vault/maintenance.ts',
    // A passkey as a second factor: with a pending login that allows it (client/mfa imports it with import()).
    'src/client/passkeys/factor.ts',
    'src/client/passkeys/manage.ts',
    'src/client/passkeys/webauthn.ts',
    'src/client/passkeys/slot.ts',
    'src/formats/passkey.ts',
    'src/formats/passkey-slot.ts',
    'src/formats/passkey-registry.ts',
    // The security log: with the sharing code at login, and with the first device, passkey, MFA or rotation call.
    'src/client/log/index.ts',
    'src/client/log/append.ts',
    'src/client/log/verify.ts',
    'src/client/log/pin.ts',
    'src/formats/log-entry.ts',
  ];
  expect(inputs.filter((path) => lazy.includes(path))).toEqual([]);
  expect(inputs.filter((path) => path.includes('node_modules/jose/'))).toEqual([]);
  expect(inputs.filter((path) => path.endsWith('@noble/curves/abstract/edwards.js') || path.endsWith('@noble/curves/ed25519.js'))).toEqual([]);
});

test(`zerovault/seal ≤ ${BUDGETS.seal / KB} KB min+gz`, () => {
  expect(report.seal.gzipped, explain('zerovault/seal', report.seal.gzipped, BUDGETS.seal, report.seal)).toBeLessThanOrEqual(BUDGETS.seal);
});

test(`zerovault/idb adds ≤ ${BUDGETS.idb / KB} KB min+gz over zerovault`, () => {
  expect(report.idbIncrement, `zerovault/idb adds ${report.idbIncrement} B, budget ${BUDGETS.idb} B`).toBeLessThanOrEqual(BUDGETS.idb);
  expect(report.idbIncrement).toBeGreaterThan(0);
});

test(`zerovault/record ≤ ${BUDGETS.record / KB} KB min+gz, without the client or Argon2`, () => {
  expect(report.record.gzipped, explain('zerovault/record', report.record.gzipped, BUDGETS.record, report.record)).toBeLessThanOrEqual(BUDGETS.record);
  expect(Object.keys(report.record.inputs)).toContain('src/record.ts');
  expect(Object.keys(report.record.inputs).some((path) => path.includes('argon2') || path.startsWith('src/client/'))).toBe(false);
});
