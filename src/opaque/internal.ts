/**
 * Test hooks. Not part of `zerovault/opaque` and never re-exported from
 * `index.ts`: these functions take explicit randomness and an arbitrary KSF
 * (e.g. the identity KSF of the RFC 9807 test vectors), which production
 * code must never do. The public API draws randomness from the platform
 * CSPRNG and pins Argon2id.
 *
 * @module
 */
export { finishLoginWith, finishRegistrationWith } from './client.js';
export {
  createCredentialRequest,
  createRegistrationResponse,
  deriveOprfKey,
  finalizeRegistrationRequest,
  generateKE1,
  generateKE2,
  type ClientLoginState,
  type Stretch,
} from './protocol.js';
export { serverFinish } from './ake.js';
export { decodeRecord, decodeKE2, ke1Length, ke2Length, ke3Length, recordLength, registrationRequestLength, registrationResponseLength } from './messages.js';
export { decodeClientLoginState, decodeClientRegistrationState, encodeClientLoginState, encodeClientRegistrationState } from './state.js';
export { decodeServerLoginState, encodeServerLoginState, readServerSetup } from './server-state.js';
/** Tests resolve suites synchronously, so this hook links every suite, as the server does. */
export { serverSuite as getSuite } from './server-state.js';
export type { Suite } from './suite.js';
export { generateKE3 } from './protocol.js';
