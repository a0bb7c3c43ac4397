import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { TransientError, UnprocessableError } from '../../domain/errors.js';
import type { CustomerMessage, CustomerMessages } from '../../ports/customer-messages.js';
import { buildMimeMessage } from '../mime.js';

/** Errors a later attempt may get past: throttling and the services' own failures. */
const TRANSIENT = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'ThrottledException',
  'ThrottlingException',
  'InternalFailure',
  'InternalErrorException',
]);

/**
 * Customer notifications on AWS: email through SES v2 (raw content, the bytes the local .eml holds) from the
 * `email:send` identity, SMS through SNS Publish to a phone number (`sms:send`). Errors name the order,
 * never the recipient (no PII in logs).
 */
export class AwsCustomerMessages implements CustomerMessages {
  constructor(
    private readonly ses: SESv2Client,
    private readonly sns: SNSClient,
    private readonly from: string,
  ) {}

  async email(message: CustomerMessage): Promise<{ messageId: string }> {
    const raw = buildMimeMessage({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      messageId: `${message.orderId}.${message.notification}@oms`,
      date: new Date(),
    });
    return await this.guard(message, 'SES', async () => {
      const result = await this.ses.send(
        new SendEmailCommand({
          FromEmailAddress: this.from,
          Destination: { ToAddresses: [message.to] },
          Content: { Raw: { Data: Buffer.from(raw) } },
        }),
      );
      return { messageId: result.MessageId ?? '' };
    });
  }

  async sms(message: CustomerMessage): Promise<{ messageId: string }> {
    return await this.guard(message, 'SNS', async () => {
      const result = await this.sns.send(
        new PublishCommand({
          PhoneNumber: message.to,
          Message: message.text,
          MessageAttributes: {
            'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
          },
        }),
      );
      return { messageId: result.MessageId ?? '' };
    });
  }

  private async guard<T>(message: CustomerMessage, service: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const name = (error as Error).name;
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
      const what = `${message.notification} of order ${message.orderId}`;
      if (TRANSIENT.has(name) || status >= 500)
        throw new TransientError(`${service} could not send ${what}: ${name}`);
      if (name === 'MessageRejected' || name === 'InvalidParameterException') {
        throw new UnprocessableError(`${service} refused ${what}: ${name}`);
      }
      throw error;
    }
  }
}
