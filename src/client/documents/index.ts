/**
 * Documents in the app's own database (`docs/documents.md`), loaded on
 * demand by `vault.documents(schema)`: nothing here is in the core bundle.
 *
 * @module
 */
export { openDocuments } from './documents.js';
