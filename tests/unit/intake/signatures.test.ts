import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../../../shared/domain/errors.js';
import {
  type Body,
  signShopify,
  signStandardWebhook,
  signWooCommerce,
  standardWebhookHeaders,
  verifyShopify,
  verifyStandardWebhook,
  verifyWooCommerce,
} from '../../../shared/intake/signatures.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

const BODY = '{"id":820982911946154508,"email":"jon@example.com","note":"café"}';

describe.each([
  {
    channel: 'Shopify',
    header: 'x-shopify-hmac-sha256',
    sign: signShopify,
    verify: verifyShopify,
  },
  {
    channel: 'WooCommerce',
    header: 'x-wc-webhook-signature',
    sign: signWooCommerce,
    verify: verifyWooCommerce,
  },
])('Given a $channel delivery', ({ header, sign, verify }) => {
  const current = 'secret-current-7f3a';
  const previous = 'secret-previous-19bc';

  describe('When the signature was made with the active secret over the raw body', () => {
    it('accepts it', () => {
      expect(() => verify(BODY, sign(BODY, current), [current])).not.toThrow();
    });

    it('accepts the raw bytes exactly as the string they encode', () => {
      const bytes = new TextEncoder().encode(BODY);
      expect(() => verify(bytes, sign(BODY, current), [current])).not.toThrow();
    });
  });

  describe('When the body was tampered with after signing', () => {
    it('rejects it as a bad signature', () => {
      const signature = sign(BODY, current);
      const error = thrown(() => verify(BODY.replace('jon@', 'eve@'), signature, [current]));
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect((error as Error).message).toMatch(/bad signature/);
    });

    it('rejects a re-serialised body even though it is the same JSON', () => {
      const reserialised = JSON.stringify(JSON.parse(BODY), null, 1);
      expect(() => verify(reserialised, sign(BODY, current), [current])).toThrow(UnauthorizedError);
    });
  });

  describe('When the signature was made with a secret that is not active', () => {
    it('rejects it without echoing any secret', () => {
      const error = thrown(() => verify(BODY, sign(BODY, 'attacker-guess'), [current, previous]));
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect((error as Error).message).toMatch(/bad signature/);
      expect((error as Error).message).not.toContain(current);
      expect((error as Error).message).not.toContain(previous);
    });
  });

  describe('When a secret is being rotated and the delivery is signed with the second one', () => {
    it('accepts it', () => {
      expect(() => verify(BODY, sign(BODY, previous), [current, previous])).not.toThrow();
    });
  });

  describe('When the signature header is missing', () => {
    it.each([undefined, ''])('rejects %j naming the header', (value) => {
      const error = thrown(() => verify(BODY, value, [current]));
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect((error as Error).message).toContain(`missing ${header}`);
    });
  });

  describe('When the header is not a base64 SHA-256 digest', () => {
    it.each(['not base64!', 'c2hvcnQ=', sign(BODY, current).slice(4)])('rejects %j', (value) => {
      expect(() => verify(BODY, value, [current])).toThrow(/not a base64 HMAC-SHA256 digest/);
    });
  });

  describe('When the only configured secret is blank', () => {
    it('rejects even a signature made with the empty key, which anyone could forge', () => {
      expect(() => verify(BODY, sign(BODY, ''), [''])).toThrow(/no webhook secret is configured/);
    });
  });
});

describe('Given a known HMAC-SHA256 vector (computed with openssl)', () => {
  const body = '{"id":820982911946154508,"email":"jon@example.com"}';

  describe('When Shopify and WooCommerce sign it with the secret "hush"', () => {
    it('produces the base64 digest openssl gives', () => {
      const expected = 'D0UMXmhjwBRi4y66TmhJrDlhQABD7zI2fm3p6/QLMo8=';
      expect(signShopify(body, 'hush')).toBe(expected);
      expect(signWooCommerce(body, 'hush')).toBe(expected);
    });
  });
});

describe('Given a Standard Webhooks delivery', () => {
  // The published Standard Webhooks test vector: reproducing it is what tells us any sender's library agrees.
  const vector = {
    id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    timestamp: 1614265330,
    body: '{"test": 2432232314}',
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  };
  const at = (seconds: number) => new Date(seconds * 1000);
  const headers = (signature: string, overrides: Record<string, string | undefined> = {}) => ({
    id: vector.id,
    timestamp: String(vector.timestamp),
    signature,
    ...overrides,
  });
  const verify = (body: Body, signature: string, secrets = [vector.secret], now = at(vector.timestamp)) =>
    verifyStandardWebhook(body, headers(signature), secrets, now);

  describe('When it is signed as in the specification test vector', () => {
    it('signs to the published signature', () => {
      expect(signStandardWebhook(vector)).toBe(vector.signature);
    });

    it('accepts the published signature', () => {
      expect(() => verify(vector.body, vector.signature)).not.toThrow();
    });

    it('accepts the secret without its whsec_ prefix', () => {
      expect(() => verify(vector.body, vector.signature, ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'])).not.toThrow();
    });

    it('builds all three headers so they verify', () => {
      const built = standardWebhookHeaders(vector);
      expect(built).toEqual({
        'webhook-id': vector.id,
        'webhook-timestamp': '1614265330',
        'webhook-signature': vector.signature,
      });
    });
  });

  describe('When the body or the signed id was changed', () => {
    it('rejects a tampered body', () => {
      expect(() => verify('{"test": 2432232315}', vector.signature)).toThrow(/bad signature/);
    });

    it('rejects the same signature replayed under another id', () => {
      const replay = () =>
        verifyStandardWebhook(
          vector.body,
          headers(vector.signature, { id: 'msg_other' }),
          [vector.secret],
          at(vector.timestamp),
        );
      expect(replay).toThrow(UnauthorizedError);
    });
  });

  describe('When the header carries several signatures', () => {
    const bogus = `v1,${Buffer.alloc(32, 7).toString('base64')}`;

    it('accepts it if any v1 signature matches', () => {
      expect(() => verify(vector.body, `${bogus} ${vector.signature}`)).not.toThrow();
    });

    it('rejects it if none matches', () => {
      expect(() => verify(vector.body, `${bogus} v1,${Buffer.alloc(32, 9).toString('base64')}`)).toThrow(
        /bad signature/,
      );
    });
  });

  describe('When a signature is under a version other than v1', () => {
    const digest = vector.signature.slice('v1,'.length);

    it('ignores it even if its bytes would match', () => {
      const error = thrown(() => verify(vector.body, `v1a,${digest} v2,${digest}`));
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect((error as Error).message).toMatch(/no well-formed v1 signature/);
    });

    it('still accepts a matching v1 signature next to it', () => {
      expect(() => verify(vector.body, `v1a,${digest} ${vector.signature}`)).not.toThrow();
    });
  });

  describe('When the secret is being rotated', () => {
    it('accepts a delivery signed with the second active secret', () => {
      const rotated = `whsec_${Buffer.from('a-brand-new-signing-key-32-bytes').toString('base64')}`;
      const signature = signStandardWebhook({ ...vector, secret: rotated });
      expect(() => verify(vector.body, signature, [vector.secret, rotated])).not.toThrow();
      expect(() => verify(vector.body, signature, [vector.secret])).toThrow(/bad signature/);
    });

    it('still rejects a signature that matches neither active secret', () => {
      const rotated = `whsec_${Buffer.from('a-brand-new-signing-key-32-bytes').toString('base64')}`;
      const forged = signStandardWebhook({
        ...vector,
        secret: `whsec_${Buffer.from('guess').toString('base64')}`,
      });
      expect(() => verify(vector.body, forged, [vector.secret, rotated])).toThrow(/bad signature/);
    });
  });

  describe('When the timestamp is far from now', () => {
    it('accepts it at exactly the tolerance', () => {
      expect(() =>
        verify(vector.body, vector.signature, undefined, at(vector.timestamp + 300)),
      ).not.toThrow();
      expect(() =>
        verify(vector.body, vector.signature, undefined, at(vector.timestamp - 300)),
      ).not.toThrow();
    });

    it('rejects it when it is too old', () => {
      const error = thrown(() =>
        verify(vector.body, vector.signature, undefined, at(vector.timestamp + 301)),
      );
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect((error as Error).message).toMatch(/timestamp outside tolerance \(too old/);
    });

    it('rejects it when it is in the future', () => {
      expect(() => verify(vector.body, vector.signature, undefined, at(vector.timestamp - 301))).toThrow(
        /timestamp outside tolerance \(in the future/,
      );
    });

    it('uses the tolerance it is given', () => {
      const check = () =>
        verifyStandardWebhook(
          vector.body,
          headers(vector.signature),
          [vector.secret],
          at(vector.timestamp + 61),
          60,
        );
      expect(check).toThrow(/outside tolerance/);
    });

    it('rejects a timestamp that is not integer seconds', () => {
      const check = () =>
        verifyStandardWebhook(
          vector.body,
          headers(vector.signature, { timestamp: '2021-02-25T15:02:10Z' }),
          [vector.secret],
          at(vector.timestamp),
        );
      expect(check).toThrow(/not integer seconds/);
    });
  });

  describe('When a header is missing', () => {
    it.each([
      ['id', 'webhook-id'],
      ['timestamp', 'webhook-timestamp'],
      ['signature', 'webhook-signature'],
    ])('rejects it naming %s', (field, header) => {
      const check = () =>
        verifyStandardWebhook(
          vector.body,
          headers(vector.signature, { [field]: undefined }),
          [vector.secret],
          at(vector.timestamp),
        );
      expect(check).toThrow(UnauthorizedError);
      expect(check).toThrow(`missing ${header}`);
    });
  });
});
