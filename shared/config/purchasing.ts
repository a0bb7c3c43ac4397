/**
 * Purchasing settings shared by the stack and both runtimes. The sender must be an address SES may send
 * from: on AWS set the CDK context `purchasingEmailFrom` (and `purchasingEmailIdentity`, the verified SES
 * identity it belongs to: the address itself or its domain); functions with `email:send` get the address in
 * OMS_PURCHASING_EMAIL_FROM and may send from that identity only.
 */
export const purchasingEmail = {
  from: 'purchasing@example.com',
  identity: 'example.com',
  fromContext: 'purchasingEmailFrom',
  identityContext: 'purchasingEmailIdentity',
  fromEnv: 'OMS_PURCHASING_EMAIL_FROM',
} as const;
