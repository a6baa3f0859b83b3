/**
 * The KSF worker as an app writes it (docs/browser.md): a module worker
 * whose only job is `serveKsf()` from `zerovault/ksf-worker`.
 */
import { serveKsf } from '../../../src/ksf-worker.js';

serveKsf();
