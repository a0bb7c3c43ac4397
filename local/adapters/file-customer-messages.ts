import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildMimeMessage } from '../../shared/adapters/mime.js';
import { notificationEmail } from '../../shared/config/notifications.js';
import type { CustomerMessage, CustomerMessages } from '../../shared/ports/customer-messages.js';

const safe = (value: string) => value.replace(/[^A-Za-z0-9._-]/g, '_');

/**
 * Customer notifications as files: `<dir>/<orderId>/<notification>.eml` (the email SES would send) or
 * `.txt` (the SMS: recipient line, blank line, text). A repeat overwrites the file, as a second message
 * would repeat the first.
 */
export class FileCustomerMessages implements CustomerMessages {
  constructor(
    private readonly dir: string,
    private readonly options: { from?: string; onSend?: (channel: 'email' | 'sms') => void } = {},
  ) {}

  async email(message: CustomerMessage): Promise<{ messageId: string }> {
    this.options.onSend?.('email');
    const messageId = `${safe(message.orderId)}.${safe(message.notification)}@oms.local`;
    const eml = buildMimeMessage({
      from: this.options.from ?? notificationEmail.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      messageId,
      date: new Date(),
    });
    await this.write(message, 'eml', eml);
    return { messageId };
  }

  async sms(message: CustomerMessage): Promise<{ messageId: string }> {
    this.options.onSend?.('sms');
    await this.write(message, 'txt', `To: ${message.to}\n\n${message.text}\n`);
    return { messageId: `${safe(message.orderId)}.${safe(message.notification)}.sms@oms.local` };
  }

  /** Through a temporary file, so a reader never sees half a message. */
  private async write(message: CustomerMessage, extension: string, body: string): Promise<void> {
    const dir = join(this.dir, safe(message.orderId));
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${safe(message.notification)}.${extension}`);
    const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(temp, body);
    await rename(temp, path);
  }
}
