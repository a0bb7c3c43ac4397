import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../shared/adapters/aws/s3-object-store.js';

const BUCKET = 'oms-documents-test';
const s3 = mockClient(S3Client);
const store = () => new S3ObjectStore(new S3Client({ region: 'us-east-1' }), BUCKET);
const pdf = new Uint8Array([37, 80, 68, 70]);

const preconditionFailed = () =>
  new S3ServiceException({
    name: 'PreconditionFailed',
    $fault: 'client',
    $metadata: { httpStatusCode: 412 },
    message: 'At least one of the pre-conditions you specified did not hold',
  });

beforeEach(() => {
  s3.reset();
});

describe('Given a document to keep write-once for its retention period', () => {
  describe('When it is put with metadata, onlyIfAbsent and a retention', () => {
    it('sends If-None-Match, the user metadata and the Object Lock mode and date with a SHA-256 checksum', async () => {
      s3.on(PutObjectCommand).resolves({});
      const result = await store().put('documents/ord_1/ci_sh_1_1.pdf', pdf, 'application/pdf', {
        onlyIfAbsent: true,
        metadata: { 'document-type': 'commercial-invoice', sha256: 'ab12' },
        retention: { mode: 'COMPLIANCE', retainUntil: '2033-11-20T17:00:00.000Z' },
      });
      expect(result).toEqual({ uri: `s3://${BUCKET}/documents/ord_1/ci_sh_1_1.pdf`, created: true });
      expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toEqual({
        Bucket: BUCKET,
        Key: 'documents/ord_1/ci_sh_1_1.pdf',
        Body: pdf,
        ContentType: 'application/pdf',
        Metadata: { 'document-type': 'commercial-invoice', sha256: 'ab12' },
        IfNoneMatch: '*',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: new Date('2033-11-20T17:00:00.000Z'),
        ChecksumAlgorithm: 'SHA256',
      });
    });
  });

  describe('When the key already holds an object', () => {
    it('answers created: false instead of failing (S3 412)', async () => {
      s3.on(PutObjectCommand).rejects(preconditionFailed());
      const result = await store().put('documents/ord_1/ci_sh_1_1.pdf', pdf, 'application/pdf', {
        onlyIfAbsent: true,
      });
      expect(result.created).toBe(false);
    });

    it('still fails a plain put that S3 refuses', async () => {
      s3.on(PutObjectCommand).rejects(preconditionFailed());
      await expect(store().put('k', pdf, 'application/pdf')).rejects.toThrow(/pre-conditions/);
    });
  });
});
