import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../shared/adapters/aws/s3-object-store.js';

const BUCKET = 'oms-exports-test';
const s3 = mockClient(S3Client);
const store = () => new S3ObjectStore(new S3Client({ region: 'us-east-1' }), BUCKET);

/** The part of the SDK stream the adapter reads. */
const body = (bytes: Uint8Array) =>
  ({ transformToByteArray: async () => bytes }) as unknown as GetObjectCommandOutput['Body'];

beforeEach(() => {
  s3.reset();
});

describe('Given an export to store', () => {
  describe('When it is put', () => {
    it('calls PutObject with bucket, key, body and content type, and returns its s3 URI', async () => {
      s3.on(PutObjectCommand).resolves({ ETag: '"abc"' });
      const result = await store().put('exports/2025-03-10/orders.csv', 'id,total\no-1,6859\n', 'text/csv');
      expect(result).toEqual({ uri: `s3://${BUCKET}/exports/2025-03-10/orders.csv` });
      expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input)).toEqual([
        {
          Bucket: BUCKET,
          Key: 'exports/2025-03-10/orders.csv',
          Body: 'id,total\no-1,6859\n',
          ContentType: 'text/csv',
        },
      ]);
    });

    it('passes binary bodies through untouched', async () => {
      s3.on(PutObjectCommand).resolves({});
      const bytes = new Uint8Array([0, 255, 1]);
      await store().put('labels/l-1.pdf', bytes, 'application/pdf');
      expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Body).toBe(bytes);
    });
  });
});

describe('Given a stored object', () => {
  describe('When it is read', () => {
    it('returns its bytes', async () => {
      s3.on(GetObjectCommand, { Bucket: BUCKET, Key: 'labels/l-1.pdf' }).resolves({
        Body: body(new Uint8Array([37, 80, 68, 70])),
      });
      expect(await store().get('labels/l-1.pdf')).toEqual(new Uint8Array([37, 80, 68, 70]));
    });
  });
});

describe('Given a key that does not exist', () => {
  describe('When it is read', () => {
    it('returns undefined', async () => {
      s3.on(GetObjectCommand).rejects(
        new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }),
      );
      expect(await store().get('missing.csv')).toBeUndefined();
    });
  });
});

describe('Given S3 fails for another reason', () => {
  describe('When an object is read', () => {
    it('propagates the error', async () => {
      s3.on(GetObjectCommand).rejects(new Error('AccessDenied'));
      await expect(store().get('x')).rejects.toThrow('AccessDenied');
    });
  });
});
