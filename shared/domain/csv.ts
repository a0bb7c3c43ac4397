import { ValidationError } from './errors.js';

/**
 * Parses RFC 4180 CSV: fields separated by commas, records by CRLF or LF; a field in double quotes may hold
 * commas, line breaks and doubled quotes (`""`). A byte-order mark is dropped, a final line break ends the
 * last record, blank lines are skipped. Each record comes with the line it starts on (1-based), so errors
 * can name it. A quote left open, or text after a closing quote, is a ValidationError with that line.
 */
export function parseCsvRecords(text: string): { line: number; fields: string[] }[] {
  const input = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let afterQuote = false;
  let fieldStarted = false;
  const endField = () => {
    fields.push(field);
    field = '';
    afterQuote = false;
    fieldStarted = false;
  };
  const endRecord = () => {
    endField();
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields });
    fields = [];
  };
  for (let index = 0; index < input.length; index += 1) {
    const char = input[index] as string;
    if (quoted) {
      if (char === '"') {
        if (input[index + 1] === '"') {
          field += '"';
          index += 1;
        } else {
          quoted = false;
          afterQuote = true;
        }
      } else {
        if (char === '\n') line += 1;
        field += char;
      }
      continue;
    }
    if (char === ',') {
      endField();
      continue;
    }
    if (char === '\r' || char === '\n') {
      if (char === '\r' && input[index + 1] === '\n') index += 1;
      endRecord();
      line += 1;
      recordLine = line;
      continue;
    }
    if (afterQuote) {
      throw new ValidationError(`CSV line ${line}: text after a closing quote`, [
        { field: `line ${line}`, message: 'text after a closing quote: quote the whole field' },
      ]);
    }
    if (char === '"' && !fieldStarted && field === '') {
      quoted = true;
      fieldStarted = true;
      continue;
    }
    fieldStarted = true;
    field += char;
  }
  if (quoted) {
    throw new ValidationError(`CSV line ${recordLine}: a quoted field is never closed`, [
      { field: `line ${recordLine}`, message: 'unterminated quoted field' },
    ]);
  }
  if (field !== '' || fields.length > 0 || afterQuote) endRecord();
  return records;
}
