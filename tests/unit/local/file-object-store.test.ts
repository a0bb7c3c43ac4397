import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../../local/adapters/file-object-store.js';

describe('Given the local bucket folder', () => {
  describe('When a document is put write-once twice', () => {
    it('keeps the first bytes, says the second did not write, and records metadata and retention beside it', async () => {
      const root = mkdtempSync(join(tmpdir(), 'oms-bucket-test-'));
      const store = new FileObjectStore(root);
      const options = {
        onlyIfAbsent: true,
        metadata: { 'document-type': 'packing-slip' },
        retention: { mode: 'GOVERNANCE' as const, retainUntil: '2029-01-01T00:00:00.000Z' },
      };
      expect((await store.put('documents/o/ps.pdf', 'first', 'application/pdf', options)).created).toBe(true);
      expect((await store.put('documents/o/ps.pdf', 'second', 'application/pdf', options)).created).toBe(
        false,
      );
      expect(new TextDecoder().decode(await store.get('documents/o/ps.pdf'))).toBe('first');
      const meta = JSON.parse(readFileSync(join(root, '.meta', 'documents/o/ps.pdf.json'), 'utf8'));
      expect(meta).toEqual({
        contentType: 'application/pdf',
        metadata: { 'document-type': 'packing-slip' },
        retention: { mode: 'GOVERNANCE', retainUntil: '2029-01-01T00:00:00.000Z' },
      });
    });
  });

  describe('When a plain put repeats', () => {
    it('replaces the object, as before', async () => {
      const store = new FileObjectStore(mkdtempSync(join(tmpdir(), 'oms-bucket-test-')));
      await store.put('exports/a.csv', 'one', 'text/csv');
      expect(await store.put('exports/a.csv', 'two', 'text/csv')).toEqual({
        uri: expect.stringMatching(/^file:/),
      });
      expect(new TextDecoder().decode(await store.get('exports/a.csv'))).toBe('two');
    });
  });
});
