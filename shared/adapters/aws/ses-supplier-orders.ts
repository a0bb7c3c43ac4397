import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { TransientError, UnprocessableError } from '../../domain/errors.js';
import type { PurchaseOrderMessage } from '../../domain/purchasing.js';
import type { SupplierOrders } from '../../ports/supplier-orders.js';
import { buildMimeMessage, purchaseOrderAttachment } from '../mime.js';

/** Errors a later attempt may get past: throttling and SES's own failures. */
const TRANSIENT = new Set(['TooManyRequestsException', 'LimitExceededException', 'InternalFailure']);

/**
 * Purchase orders as email through SES v2, raw content so the JSON copy of the order travels as an
 * attachment. The role may send from one identity only (infra/constructs/functions.ts, `email:send`).
 */
export class SesSupplierOrders implements SupplierOrders {
  constructor(
    private readonly client: SESv2Client,
    private readonly from: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async send(message: PurchaseOrderMessage): Promise<{ messageId: string }> {
    const raw = buildMimeMessage({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      messageId: `${message.purchaseOrderId}@oms`,
      date: this.clock(),
      attachments: [purchaseOrderAttachment(message.purchaseOrderId, message.document)],
    });
    try {
      const result = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.from,
          Destination: { ToAddresses: [message.to] },
          Content: { Raw: { Data: Buffer.from(raw) } },
        }),
      );
      return { messageId: result.MessageId ?? '' };
    } catch (error) {
      const name = (error as Error).name;
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
      if (TRANSIENT.has(name) || status >= 500) {
        throw new TransientError(`SES could not send ${message.purchaseOrderId}: ${name}`);
      }
      if (name === 'MessageRejected') {
        throw new UnprocessableError(`SES refused the email to the supplier of ${message.purchaseOrderId}`, {
          field: 'supplier.email',
        });
      }
      throw error;
    }
  }
}
