/** One message to one customer: the order and template name the local mailbox file. */
export interface CustomerMessage {
  orderId: string;
  /** The notification's key part (`order-confirmed`, `order-delayed:<disruption>`…). */
  notification: string;
  to: string;
  subject: string;
  text: string;
}

/**
 * Delivers customer notifications: email through SES and SMS through SNS on AWS, files under
 * `<data dir>/mailbox/<orderId>/` locally. Delivery is at least once: the caller marks the notification
 * `sent` after this returns, so a crash in between sends it again on the next attempt (docs/notifications.md).
 */
export interface CustomerMessages {
  email(message: CustomerMessage): Promise<{ messageId: string }>;
  sms(message: CustomerMessage): Promise<{ messageId: string }>;
}
