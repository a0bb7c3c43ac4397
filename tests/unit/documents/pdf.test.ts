import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { renderPdf } from '../../../shared/documents/pdf.js';

async function readBack(bytes: Uint8Array): Promise<{ pages: string[]; info: Record<string, unknown> }> {
  // pdf.js takes ownership of the buffer it is given: pass a copy so the caller's bytes stay intact.
  const proxy = await getDocumentProxy(new Uint8Array(bytes));
  const { text } = await extractText(proxy, { mergePages: false });
  const metadata = await proxy.getMetadata();
  return { pages: text, info: metadata.info as Record<string, unknown> };
}

describe('Given a document with a heading, lines and a small table', () => {
  const input = {
    title: 'Packing slip',
    subtitle: 'Order ord_123',
    sections: [
      { heading: 'Ship to', lines: ['Ada Lovelace', '1 Analytical Way, London'] },
      {
        heading: 'Lines',
        table: { columns: ['SKU', 'Name', 'Quantity'], rows: [['SKU-A', 'Blue mug', '2']] },
      },
    ],
    metadata: { creationDate: '2026-01-02T03:04:05.000Z', subject: 'ord_123', documentType: 'packing-slip' },
  };

  describe('When it is rendered', () => {
    it('is a PDF whose text reads back in order', async () => {
      const bytes = await renderPdf(input);
      expect(new TextDecoder().decode(bytes.slice(0, 5))).toBe('%PDF-');
      const { pages, info } = await readBack(bytes);
      expect(pages).toHaveLength(1);
      const text = pages[0] ?? '';
      for (const part of [
        'Packing slip',
        'Order ord_123',
        'Ship to',
        'Ada Lovelace',
        'SKU-A',
        'Blue mug',
        'Page 1 of 1',
      ]) {
        expect(text).toContain(part);
      }
      expect(text.indexOf('Ada Lovelace')).toBeLessThan(text.indexOf('Blue mug'));
      expect(info.Title).toBe('Packing slip');
      expect(info.Subject).toBe('ord_123');
      expect((info.Custom as Record<string, unknown> | undefined)?.documentType).toBe('packing-slip');
    });
  });

  describe('When it is rendered twice', () => {
    it('gives the same bytes', async () => {
      const first = await renderPdf(input);
      const second = await renderPdf(structuredClone(input));
      expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
    });
  });

  describe('When only the creation date differs', () => {
    it('gives different bytes (the dates are really written)', async () => {
      const first = await renderPdf(input);
      const second = await renderPdf({
        ...input,
        metadata: { ...input.metadata, creationDate: '2026-01-03T00:00:00Z' },
      });
      expect(Buffer.from(second).equals(Buffer.from(first))).toBe(false);
    });
  });
});

describe('Given a table too long for one page', () => {
  const rows = Array.from({ length: 150 }, (_, index) => [
    `SKU-${String(index).padStart(3, '0')}`,
    `Item ${index}`,
    String(index + 1),
  ]);

  describe('When it is rendered', () => {
    it('breaks onto several pages, repeats the header and keeps every row', async () => {
      const { pages } = await readBack(
        await renderPdf({ title: 'Long', sections: [{ table: { columns: ['SKU', 'Name', 'Qty'], rows } }] }),
      );
      expect(pages.length).toBeGreaterThan(2);
      const all = pages.join('\n');
      for (const [sku] of rows) expect(all).toContain(sku);
      for (const page of pages) expect(page).toMatch(/SKU\s+Name\s+Qty/);
      expect(pages.at(-1)).toContain(`Page ${pages.length} of ${pages.length}`);
    });
  });
});

describe('Given text the standard fonts cannot encode', () => {
  describe('When it is rendered', () => {
    it('replaces those characters instead of throwing and keeps Latin-1 ones', async () => {
      const bytes = await renderPdf({
        title: 'Zoë → Köln 東京',
        sections: [{ lines: ['Crème brûlée ✓ ŁódŹ'], table: { columns: ['名前'], rows: [['Ĉu 😀']] } }],
      });
      const text = (await readBack(bytes)).pages.join('\n');
      expect(text).toContain('Zoë ? Köln ??');
      expect(text).toContain('Crème brûlée ? ?ódZ');
      expect(text).toContain('Cu ?');
    });
  });
});

describe('Given a very long unbroken word in a narrow column', () => {
  it('wraps it inside the column without losing characters', async () => {
    const word = 'X'.repeat(300);
    const text = (
      await readBack(
        await renderPdf({
          title: 'Wrap',
          sections: [{ table: { columns: ['A', 'B'], rows: [[word, 'b']] } }],
        }),
      )
    ).pages.join('');
    expect(text.replace(/[^X]/g, '')).toHaveLength(300);
  });
});
