/**
 * The default name of a remembered device: in a browser a short name from
 * the user agent ("Chrome on Linux"), in Node `Node.js on <platform>`.
 * Only a hint for the user reading the device list: nothing trusts it.
 *
 * @module
 */

const BROWSERS: readonly [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\b(?:OPR|Opera)\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(?:Firefox|FxiOS)\//, 'Firefox'],
  [/\b(?:Chrome|CriOS|Chromium)\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];

const SYSTEMS: readonly [RegExp, string][] = [
  [/\b(?:iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

/** A short name for a user agent string, e.g. "Firefox on Windows". */
export function nameFromUserAgent(userAgent: string): string {
  const browser = BROWSERS.find(([re]) => re.test(userAgent))?.[1] ?? 'Browser';
  const system = SYSTEMS.find(([re]) => re.test(userAgent))?.[1];
  return system === undefined ? browser : `${browser} on ${system}`;
}

/** This platform's default device name. */
export function defaultDeviceName(): string {
  const runtime = (globalThis as { process?: { versions?: { node?: unknown }; platform?: unknown } }).process;
  if (typeof runtime?.versions?.node === 'string') {
    const platform = typeof runtime.platform === 'string' && /^[a-z0-9]{1,16}$/.test(runtime.platform) ? runtime.platform : 'unknown';
    return `Node.js on ${platform}`;
  }
  const userAgent = (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent;
  return typeof userAgent === 'string' ? nameFromUserAgent(userAgent) : 'Unknown device';
}
