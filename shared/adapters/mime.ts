/**
 * A MIME message (RFC 5322 + 2045/2046) as SES's raw content takes it, and as a local .eml file stores it:
 * the same bytes either way. Text is UTF-8; bodies are base64 in lines of 76, so no line limit or 8-bit
 * transport is ever in question.
 */
export interface MimeMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  messageId: string;
  date: Date;
  attachments?: readonly { filename: string; contentType: string; content: string | Uint8Array }[];
}

const base64Lines = (content: string | Uint8Array): string =>
  (
    Buffer.from(content)
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join('\r\n');

/** RFC 2047 encoded-word for a header value that is not plain ASCII. */
const headerValue = (value: string): string =>
  /^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value).toString('base64')}?=`;

/** Header values never carry a line break: a supplier name cannot add headers. */
const oneLine = (value: string): string => value.replace(/[\r\n]+/g, ' ');

export function buildMimeMessage(message: MimeMessage): string {
  const boundary = `=_oms_${message.messageId.replace(/[^A-Za-z0-9]/g, '')}`;
  const headers = [
    `From: ${oneLine(message.from)}`,
    `To: ${oneLine(message.to)}`,
    `Subject: ${headerValue(oneLine(message.subject))}`,
    `Date: ${message.date.toUTCString()}`,
    `Message-ID: <${oneLine(message.messageId)}>`,
    'MIME-Version: 1.0',
  ];
  const text = [
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(message.text.replace(/\r?\n/g, '\r\n')),
  ];
  const attachments = message.attachments ?? [];
  if (attachments.length === 0) return `${[...headers, ...text].join('\r\n')}\r\n`;
  const parts = [
    text.join('\r\n'),
    ...attachments.map((attachment) =>
      [
        `Content-Type: ${attachment.contentType}; name="${attachment.filename}"`,
        `Content-Disposition: attachment; filename="${attachment.filename}"`,
        'Content-Transfer-Encoding: base64',
        '',
        base64Lines(attachment.content),
      ].join('\r\n'),
    ),
  ];
  return `${[
    ...headers,
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    ...parts.map((part) => `--${boundary}\r\n${part}`),
    `--${boundary}--`,
  ].join('\r\n')}\r\n`;
}

/** The attachment and message id a purchase order goes with, the same in both adapters. */
export const purchaseOrderAttachment = (purchaseOrderId: string, document: unknown) => ({
  filename: `${purchaseOrderId}.json`,
  contentType: 'application/json',
  content: `${JSON.stringify(document, null, 2)}\n`,
});
