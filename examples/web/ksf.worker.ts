/**
 * The page's KSF worker: Argon2id runs here, so sign-up and log-in never
 * freeze the page. `app.ts` starts it; `build.ts` bundles it on its own.
 */
import { serveKsf } from 'zerovault/ksf-worker';

serveKsf();
