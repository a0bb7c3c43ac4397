/**
 * Small checkers for the files the jobs write, so tests can read them back without a parser dependency.
 */

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF); throws on anything else. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let fieldStart = true;
  while (i < text.length) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i += 1;
        if (i < text.length && text[i] !== ',' && text[i] !== '\r')
          throw new Error(`text after a quote at ${i}`);
      } else {
        field += c;
        i += 1;
      }
    } else if (c === '"' && fieldStart) {
      quoted = true;
      fieldStart = false;
      i += 1;
    } else if (c === '"') {
      throw new Error(`a quote inside an unquoted field at ${i}`);
    } else if (c === ',') {
      row.push(field);
      field = '';
      fieldStart = true;
      i += 1;
    } else if (c === '\r') {
      if (text[i + 1] !== '\n') throw new Error(`a CR without LF at ${i}`);
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      fieldStart = true;
      i += 2;
    } else if (c === '\n') {
      throw new Error(`a bare LF at ${i}`);
    } else {
      field += c;
      fieldStart = false;
      i += 1;
    }
  }
  if (quoted) throw new Error('an unterminated quote');
  if (!fieldStart || row.length > 0) throw new Error('the last record has no CRLF');
  const width = rows[0]?.length;
  rows.forEach((r, n) => {
    if (r.length !== width) throw new Error(`record ${n} has ${r.length} fields, the header ${width}`);
  });
  return rows;
}

/** CSV rows as objects keyed by the header. */
export function csvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] ?? ''])));
}

/**
 * Whether text is well-formed XML as far as an SVG needs: one root element, tags nested and closed,
 * attributes quoted and unique, no `<` or bare `&` in text or attribute values. Returns the element names
 * in document order; throws with the reason otherwise.
 */
export function checkXml(text: string): string[] {
  const elements: string[] = [];
  const open: string[] = [];
  let roots = 0;
  const body = text.replace(/^<\?xml[^?]*\?>\s*/, '');
  const token =
    /<!--[\s\S]*?-->|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|([^<]+)|(<)/g;
  const entity = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  for (const match of body.matchAll(token)) {
    const [whole, closing, name, attributes, selfClosing, textPart, stray] = match;
    if (whole.startsWith('<!--')) continue;
    if (stray) throw new Error(`a stray '<' at ${match.index}`);
    if (textPart !== undefined) {
      if (entity.test(textPart)) throw new Error(`a bare '&' in text at ${match.index}`);
      if (open.length === 0 && textPart.trim() !== '') throw new Error('text outside the root element');
      continue;
    }
    if (closing) {
      const expected = open.pop();
      if (expected !== name) throw new Error(`</${name}> closes <${expected}>`);
      continue;
    }
    if (open.length === 0) roots += 1;
    const seen = new Set<string>();
    for (const attribute of (attributes ?? '').matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*("[^"]*"|'[^']*')/g)) {
      const [, attributeName, value] = attribute as unknown as [string, string, string];
      if (seen.has(attributeName)) throw new Error(`attribute ${attributeName} twice on <${name}>`);
      seen.add(attributeName);
      if (entity.test(value)) throw new Error(`a bare '&' in ${attributeName} of <${name}>`);
    }
    elements.push(name as string);
    if (!selfClosing) open.push(name as string);
  }
  if (open.length > 0) throw new Error(`unclosed <${open.join('>, <')}>`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
  return elements;
}
