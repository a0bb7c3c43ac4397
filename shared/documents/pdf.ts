import {
  PDFDict,
  PDFDocument,
  type PDFFont,
  PDFHexString,
  PDFName,
  type PDFPage,
  rgb,
  StandardFonts,
} from 'pdf-lib';

/** One block of a document: an optional heading, then free lines, then a table (each optional). */
export interface PdfSection {
  heading?: string;
  lines?: string[];
  table?: { columns: string[]; rows: string[][] };
}

export interface PdfInput {
  title: string;
  subtitle?: string;
  sections: PdfSection[];
  /**
   * Document info. `creationDate`/`modDate` (ISO 8601) fix the dates (default: the epoch, so the same input
   * always gives the same bytes); `author`, `subject`, `keywords` (comma separated), `creator`, `producer` map to
   * the standard entries; any other key is written as a custom info entry.
   */
  metadata?: Record<string, string>;
}

// US Letter in points (8.5 × 11 in).
const PAGE_WIDTH = 612;
const PAGE_HEIGHT = 792;
const MARGIN = 48;
const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN;
const BODY_SIZE = 10;
const TABLE_SIZE = 9;
const LINE_GAP = 3;
const CELL_PADDING = 3;
const EPOCH = new Date(0);
const STANDARD_KEYS = new Set([
  'author',
  'subject',
  'keywords',
  'creator',
  'producer',
  'creationDate',
  'modDate',
]);

/**
 * Renders a plain, letter-size business document with the standard Helvetica fonts. Deterministic: no clock and
 * no random ids, so re-issuing a document from the same data gives the same bytes (and the same sha256).
 */
export async function renderPdf(doc: PdfInput): Promise<Uint8Array> {
  const pdf = await PDFDocument.create({ updateMetadata: false });
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const writer = new PageWriter(pdf, regular, bold);

  writer.paragraph(doc.title, bold, 16);
  if (doc.subtitle) writer.paragraph(doc.subtitle, regular, 11);
  writer.space(8);
  for (const section of doc.sections) {
    if (section.heading) {
      writer.space(6);
      writer.paragraph(section.heading, bold, 12);
      writer.space(2);
    }
    for (const line of section.lines ?? []) writer.paragraph(line, regular, BODY_SIZE);
    if (section.table) writer.table(section.table.columns, section.table.rows);
  }
  writer.numberPages();
  applyMetadata(pdf, doc, regular);
  return pdf.save({ useObjectStreams: false });
}

function applyMetadata(pdf: PDFDocument, doc: PdfInput, font: PDFFont): void {
  const metadata = doc.metadata ?? {};
  pdf.setTitle(sanitize(doc.title, font));
  if (metadata.author) pdf.setAuthor(metadata.author);
  if (metadata.subject) pdf.setSubject(metadata.subject);
  if (metadata.keywords) pdf.setKeywords(metadata.keywords.split(',').map((keyword) => keyword.trim()));
  pdf.setCreator(metadata.creator ?? 'serverless-oms');
  pdf.setProducer(metadata.producer ?? 'serverless-oms (pdf-lib)');
  pdf.setCreationDate(parseDate(metadata.creationDate, 'creationDate'));
  pdf.setModificationDate(parseDate(metadata.modDate ?? metadata.creationDate, 'modDate'));
  // setTitle above created the info dictionary; custom entries go next to the standard ones.
  const info = pdf.context.lookup(pdf.context.trailerInfo.Info, PDFDict);
  for (const [key, value] of Object.entries(metadata).sort(([a], [b]) => a.localeCompare(b))) {
    if (STANDARD_KEYS.has(key)) continue;
    const name = key.replace(/[^A-Za-z0-9_-]/g, '');
    if (name) info.set(PDFName.of(name), PDFHexString.fromText(value));
  }
}

function parseDate(value: string | undefined, field: string): Date {
  if (value === undefined) return EPOCH;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`renderPdf: metadata.${field} is not a date: ${value}`);
  return date;
}

const supported = new WeakMap<PDFFont, Set<number>>();

/**
 * WinAnsi (the standard fonts' encoding) covers Latin-1 plus a few typographic characters. Anything else is
 * replaced: accented letters by their base letter when decomposition gives one, the rest by '?'.
 */
export function sanitize(text: string, font: PDFFont): string {
  let set = supported.get(font);
  if (!set) {
    set = new Set(font.getCharacterSet());
    supported.set(font, set);
  }
  const charset = set;
  let out = '';
  for (const char of text.replace(/[\t\r\n]+/g, ' ')) {
    const code = char.codePointAt(0) ?? 0;
    if (charset.has(code)) {
      out += char;
      continue;
    }
    const base = [...char.normalize('NFKD')].filter((part) => charset.has(part.codePointAt(0) ?? 0)).join('');
    out += base || '?';
  }
  return out;
}

class PageWriter {
  private page: PDFPage;
  private y = PAGE_HEIGHT - MARGIN;
  private readonly pages: PDFPage[] = [];

  constructor(
    private readonly pdf: PDFDocument,
    private readonly regular: PDFFont,
    private readonly bold: PDFFont,
  ) {
    this.page = this.newPage();
  }

  private newPage(): PDFPage {
    const page = this.pdf.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    this.pages.push(page);
    this.page = page;
    this.y = PAGE_HEIGHT - MARGIN;
    return page;
  }

  /** Room for the footer (page numbers) at the bottom. */
  private ensure(height: number): boolean {
    if (this.y - height >= MARGIN + 14) return false;
    this.newPage();
    return true;
  }

  space(points: number): void {
    this.y -= points;
  }

  paragraph(text: string, font: PDFFont, size: number): void {
    for (const line of wrap(sanitize(text, font), font, size, CONTENT_WIDTH)) {
      this.ensure(size + LINE_GAP);
      this.y -= size;
      this.page.drawText(line, { x: MARGIN, y: this.y, size, font });
      this.y -= LINE_GAP;
    }
  }

  table(columns: string[], rows: string[][]): void {
    const widths = columnWidths(columns, rows, this.regular, this.bold);
    const header = columns.map((column, index) =>
      wrap(sanitize(column, this.bold), this.bold, TABLE_SIZE, cell(widths, index)),
    );
    const headerHeight = rowHeight(header);
    this.space(4);
    this.ensure(headerHeight + rowHeight([['x']]));
    this.drawRow(header, widths, this.bold, true);
    for (const row of rows) {
      const cells = columns.map((_, index) =>
        wrap(sanitize(row[index] ?? '', this.regular), this.regular, TABLE_SIZE, cell(widths, index)),
      );
      // A row never splits across pages; a new page repeats the header so each page reads on its own.
      if (this.ensure(rowHeight(cells))) this.drawRow(header, widths, this.bold, true);
      this.drawRow(cells, widths, this.regular, false);
    }
    this.space(6);
  }

  private drawRow(cells: string[][], widths: number[], font: PDFFont, shaded: boolean): void {
    const height = rowHeight(cells);
    const top = this.y;
    if (shaded) {
      this.page.drawRectangle({
        x: MARGIN,
        y: top - height,
        width: CONTENT_WIDTH,
        height,
        color: rgb(0.92, 0.92, 0.92),
      });
    }
    let x = MARGIN;
    cells.forEach((lines, index) => {
      let lineY = top - CELL_PADDING;
      for (const line of lines) {
        lineY -= TABLE_SIZE;
        this.page.drawText(line, { x: x + CELL_PADDING, y: lineY, size: TABLE_SIZE, font });
        lineY -= LINE_GAP;
      }
      x += widths[index] ?? 0;
    });
    this.page.drawLine({
      start: { x: MARGIN, y: top - height },
      end: { x: MARGIN + CONTENT_WIDTH, y: top - height },
      thickness: 0.5,
      color: rgb(0.7, 0.7, 0.7),
    });
    this.y = top - height;
  }

  numberPages(): void {
    const total = this.pages.length;
    this.pages.forEach((page, index) => {
      const label = `Page ${index + 1} of ${total}`;
      const width = this.regular.widthOfTextAtSize(label, 8);
      page.drawText(label, { x: PAGE_WIDTH - MARGIN - width, y: MARGIN - 16, size: 8, font: this.regular });
    });
  }
}

function cell(widths: number[], index: number): number {
  return (widths[index] ?? CONTENT_WIDTH) - 2 * CELL_PADDING;
}

function rowHeight(cells: string[][]): number {
  const lines = Math.max(1, ...cells.map((lines) => lines.length));
  return lines * (TABLE_SIZE + LINE_GAP) + 2 * CELL_PADDING;
}

/** Columns share the width in proportion to their widest content, with a floor so none collapses. */
function columnWidths(columns: string[], rows: string[][], regular: PDFFont, bold: PDFFont): number[] {
  const natural = columns.map((column, index) => {
    let widest = bold.widthOfTextAtSize(sanitize(column, bold), TABLE_SIZE);
    for (const row of rows) {
      widest = Math.max(widest, regular.widthOfTextAtSize(sanitize(row[index] ?? '', regular), TABLE_SIZE));
    }
    return widest + 2 * CELL_PADDING;
  });
  const total = natural.reduce((sum, width) => sum + width, 0);
  if (total <= CONTENT_WIDTH) {
    const extra = (CONTENT_WIDTH - total) / Math.max(1, columns.length);
    return natural.map((width) => width + extra);
  }
  const floor = Math.min(40, CONTENT_WIDTH / Math.max(1, columns.length));
  const capped = natural.map((width) => Math.max(floor, (width / total) * CONTENT_WIDTH));
  const scale = CONTENT_WIDTH / capped.reduce((sum, width) => sum + width, 0);
  return capped.map((width) => width * scale);
}

/** Greedy word wrap; a word longer than the line is split by characters. */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  const fits = (candidate: string) => font.widthOfTextAtSize(candidate, size) <= width;
  for (const word of text.split(' ')) {
    const candidate = current ? `${current} ${word}` : word;
    if (fits(candidate)) {
      current = candidate;
      continue;
    }
    if (current) lines.push(current);
    current = '';
    let rest = word;
    while (rest && !fits(rest)) {
      let cut = rest.length - 1;
      while (cut > 1 && !fits(rest.slice(0, cut))) cut -= 1;
      lines.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    current = rest;
  }
  if (current || lines.length === 0) lines.push(current);
  return lines;
}
