/**
 * Devices that stay signed in (issue 14, parts 3 and 4): remembering a
 * device, resuming on it without a password, the proof a remembered device
 * adds to a password login, and listing, revoking and forgetting devices.
 * Loaded on demand (with the first `rememberDevice`, `resume`, password
 * login where devices can be kept, or device call), never with the page.
 *
 * @module
 */
export { knownDevice, resumeDevice, type KnownDevice, type Resumed, type ResumeInput } from './login.js';
export { forgetDevice, listDevices, rememberDevice, revokeDevice, type DeviceHost, type RememberInput } from './manage.js';
export { assertDeviceName } from '../../formats/device.js';
export { checkRevoke } from './checks.js';
export { devicesBeforeRotation, rotateDevices } from './rotate.js';
