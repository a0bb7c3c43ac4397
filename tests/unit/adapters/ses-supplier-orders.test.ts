import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SesSupplierOrders } from '../../../shared/adapters/aws/ses-supplier-orders.js';
import { buildMimeMessage } from '../../../shared/adapters/mime.js';

const ses = mockClient(SESv2Client);
const sender = () =>
  new SesSupplierOrders(
    new SESv2Client({ region: 'us-east-1' }),
    'purchasing@example.com',
    () => new Date('2026-03-01T05:00:00.000Z'),
  );
const message = {
  purchaseOrderId: 'po_01JTESTTESTTESTTESTTESTTEST',
  to: 'orders@acme.example',
  subject: 'Purchase order po_01JTESTTESTTESTTESTTESTTEST: 1 line, 450.00 USD',
  text: 'Dear Acme,\nplease supply…\n',
  document: { purchaseOrderId: 'po_01JTESTTESTTESTTESTTESTTEST', total: 45_000 },
};

beforeEach(() => ses.reset());

describe('Given a purchase order message', () => {
  it('sends it as raw MIME from the configured address, with the order attached as JSON', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
    expect(await sender().send(message)).toEqual({ messageId: 'ses-1' });
    const [call] = ses.commandCalls(SendEmailCommand);
    const input = call?.args[0].input;
    expect(input?.FromEmailAddress).toBe('purchasing@example.com');
    expect(input?.Destination).toEqual({ ToAddresses: ['orders@acme.example'] });
    const raw = Buffer.from(input?.Content?.Raw?.Data ?? new Uint8Array()).toString('utf8');
    expect(raw).toContain('From: purchasing@example.com\r\n');
    expect(raw).toContain('Subject: Purchase order po_01JTESTTESTTESTTESTTESTTEST: 1 line, 450.00 USD\r\n');
    expect(raw).toContain('Content-Disposition: attachment; filename="po_01JTESTTESTTESTTESTTESTTEST.json"');
    expect(raw).toContain(Buffer.from('please supply').toString('base64').slice(0, 8));
  });

  it('makes throttling a TransientError and a rejected message a 422', async () => {
    ses
      .on(SendEmailCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'TooManyRequestsException' }));
    await expect(sender().send(message)).rejects.toMatchObject({ name: 'TransientError' });
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('bad address'), { name: 'MessageRejected' }));
    await expect(sender().send(message)).rejects.toMatchObject({ statusCode: 422 });
  });
});

describe('Given a subject or name that is not plain ASCII, or that tries to add a header', () => {
  it('encodes it (RFC 2047) and keeps every header on one line', () => {
    const raw = buildMimeMessage({
      from: 'purchasing@example.com',
      to: 'orders@acme.example\r\nBcc: someone@else.example',
      subject: 'Bestellung für Müller',
      text: 'x',
      messageId: 'po_1@oms',
      date: new Date('2026-03-01T05:00:00.000Z'),
    });
    expect(raw).toContain(
      `Subject: =?UTF-8?B?${Buffer.from('Bestellung für Müller').toString('base64')}?=\r\n`,
    );
    expect(raw).toContain('To: orders@acme.example Bcc: someone@else.example\r\n');
    expect(raw).not.toMatch(/\r\nBcc:/);
  });
});
