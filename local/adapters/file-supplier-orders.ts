import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildMimeMessage, purchaseOrderAttachment } from '../../shared/adapters/mime.js';
import { purchasingEmail } from '../../shared/config/purchasing.js';
import type { PurchaseOrderMessage } from '../../shared/domain/purchasing.js';
import type { SupplierOrders } from '../../shared/ports/supplier-orders.js';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../metering.js';

/**
 * Purchase orders as files instead of email: `<dir>/<purchase order id>.eml` (the message SES would send,
 * openable in any mail client) and `<dir>/<purchase order id>.json` (the order as data). A repeat
 * overwrites both, as a second email would repeat the first.
 */
export class FileSupplierOrders implements SupplierOrders {
  constructor(
    private readonly dir: string,
    private readonly options: { from?: string; onSend?: () => void } = {},
  ) {}

  async send(message: PurchaseOrderMessage): Promise<{ messageId: string; uri: string }> {
    this.options.onSend?.();
    const id = message.purchaseOrderId.replace(/[^A-Za-z0-9._-]/g, '_');
    const messageId = `${id}@oms.local`;
    const eml = buildMimeMessage({
      from: this.options.from ?? purchasingEmail.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      messageId,
      date: new Date(),
      attachments: [purchaseOrderAttachment(message.purchaseOrderId, message.document)],
    });
    await mkdir(this.dir, { recursive: true });
    const path = resolve(join(this.dir, `${id}.eml`));
    await this.write(join(this.dir, `${id}.json`), `${JSON.stringify({ ...message, messageId }, null, 2)}\n`);
    await this.write(path, eml);
    return { messageId, uri: `file://${path}` };
  }

  /** Through a temporary file, so a reader never sees half a message. */
  private async write(path: string, body: string): Promise<void> {
    const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(temp, body);
    await rename(temp, path);
  }
}

/** The SES identity the stack lets `email:send` functions send from, as the meter names it locally. */
export const localSesIdentityArn = (identity: string = purchasingEmail.identity): string =>
  `arn:aws:ses:${LOCAL_REGION}:${LOCAL_ACCOUNT}:identity/${identity}`;
