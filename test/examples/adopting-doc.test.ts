/**
 * docs/adopting.md shows the real before → after diff of
 * examples/existing-app: regenerated here from the two folders and compared
 * with the block in the doc, so the doc cannot drift from the code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ADOPTING_DOC, embeddedDiff, existingAppDiff, withDiff } from '../../scripts/adopting-diff.js';

describe('docs/adopting.md', () => {
  const doc = readFileSync(ADOPTING_DOC, 'utf8');

  test('embeds the diff of examples/existing-app/before → after as it is now (npx tsx scripts/adopting-diff.ts rewrites it)', () => {
    const diff = existingAppDiff();
    // The folders differ where the doc says: the app, the page, one line of the routes, and the old login gone.
    expect(diff).toContain('diff -ru before/app.ts after/app.ts');
    expect(diff).toContain('diff -ru before/page.ts after/page.ts');
    expect(diff).toContain('diff -ru before/todos.ts after/todos.ts');
    expect(diff).toContain('Only in before: login.ts');
    expect(diff).not.toMatch(/^(---|\+\+\+) .*\t/m);
    expect(embeddedDiff(doc)).toBe(diff);
  });

  test('the check sees a change: one edited line in the doc makes it differ', () => {
    const diff = existingAppDiff();
    const edited = withDiff(doc, diff.replace("req.zerovault?.userId", 'req.user'));
    expect(embeddedDiff(edited)).not.toBe(diff);
    expect(embeddedDiff(withDiff(doc, diff))).toBe(diff);
  });
});
