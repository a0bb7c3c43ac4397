import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SsmSecretStore } from '../../../shared/adapters/aws/ssm-secret-store.js';

const PREFIX = '/oms/test/webhook-secrets/';
const ssm = mockClient(SSMClient);
const store = () => new SsmSecretStore(new SSMClient({ region: 'us-east-1' }), PREFIX);
const T0 = Date.UTC(2025, 2, 10, 12, 0, 0);

const parameter = (value: string) => ({
  Parameter: { Name: 'x', Value: value, Type: 'SecureString' as const },
});

beforeEach(() => {
  ssm.reset();
  vi.spyOn(Date, 'now').mockReturnValue(T0);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Given a channel parameter holding two comma-separated secrets', () => {
  describe('When the secrets are read', () => {
    it('splits, trims and drops empty entries', async () => {
      ssm.on(GetParameterCommand).resolves(parameter(' whsec_new , whsec_old,, '));
      expect(await store().webhookSecrets('shopify')).toEqual(['whsec_new', 'whsec_old']);
    });

    it('reads the SecureString named prefix + channel, decrypted', async () => {
      ssm.on(GetParameterCommand).resolves(parameter('s'));
      await store().webhookSecrets('woocommerce');
      expect(ssm.commandCalls(GetParameterCommand).map((call) => call.args[0].input)).toEqual([
        { Name: `${PREFIX}woocommerce`, WithDecryption: true },
      ]);
    });
  });

  describe('When they are read again within five minutes', () => {
    it('answers from the cache without calling SSM', async () => {
      ssm.on(GetParameterCommand).resolvesOnce(parameter('first')).resolves(parameter('second'));
      const secrets = store();
      expect(await secrets.webhookSecrets('shopify')).toEqual(['first']);
      vi.mocked(Date.now).mockReturnValue(T0 + 5 * 60 * 1000 - 1);
      expect(await secrets.webhookSecrets('shopify')).toEqual(['first']);
      expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    });

    it('caches per channel', async () => {
      ssm
        .on(GetParameterCommand, { Name: `${PREFIX}shopify` })
        .resolves(parameter('shop'))
        .on(GetParameterCommand, { Name: `${PREFIX}standard` })
        .resolves(parameter('std'));
      const secrets = store();
      expect(await secrets.webhookSecrets('shopify')).toEqual(['shop']);
      expect(await secrets.webhookSecrets('standard')).toEqual(['std']);
      expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
    });
  });

  describe('When they are read again after five minutes', () => {
    it('fetches them from SSM again, picking up a rotation', async () => {
      ssm.on(GetParameterCommand).resolvesOnce(parameter('first')).resolves(parameter('second,first'));
      const secrets = store();
      await secrets.webhookSecrets('shopify');
      vi.mocked(Date.now).mockReturnValue(T0 + 5 * 60 * 1000);
      expect(await secrets.webhookSecrets('shopify')).toEqual(['second', 'first']);
      expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
    });
  });
});

describe('Given no parameter for the channel', () => {
  describe('When the secrets are read', () => {
    it('returns no secrets', async () => {
      ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
      expect(await store().webhookSecrets('standard')).toEqual([]);
    });
  });
});

describe('Given an empty parameter value', () => {
  describe('When the secrets are read', () => {
    it('returns no secrets', async () => {
      ssm.on(GetParameterCommand).resolves({ Parameter: { Name: 'x' } });
      expect(await store().webhookSecrets('standard')).toEqual([]);
    });
  });
});

describe('Given SSM fails for another reason', () => {
  describe('When the secrets are read', () => {
    it('propagates the error rather than accepting every signature', async () => {
      ssm.on(GetParameterCommand).rejects(new Error('AccessDeniedException'));
      await expect(store().webhookSecrets('shopify')).rejects.toThrow('AccessDeniedException');
    });
  });
});
