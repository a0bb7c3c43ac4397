/**
 * Customer notification settings shared by the stack and both runtimes. Customer email goes out through the
 * same SES identity as purchase orders (`email:send`, shared/config/purchasing.ts): on AWS set the CDK
 * context `notificationsEmailFrom` to an address of that identity; functions get it in
 * OMS_NOTIFICATIONS_EMAIL_FROM.
 */
export const notificationEmail = {
  from: 'orders@example.com',
  fromContext: 'notificationsEmailFrom',
  fromEnv: 'OMS_NOTIFICATIONS_EMAIL_FROM',
} as const;
