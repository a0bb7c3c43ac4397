import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MULTIPART_PART_BYTES, S3ObjectStore } from '../../../shared/adapters/aws/s3-object-store.js';

const BUCKET = 'oms-exports-test';
const s3 = mockClient(S3Client);
const store = () => new S3ObjectStore(new S3Client({ region: 'us-east-1' }), BUCKET);

async function* chunks(sizes: number[]): AsyncGenerator<Uint8Array> {
  for (const [index, size] of sizes.entries()) yield new Uint8Array(size).fill(index + 1);
}

beforeEach(() => {
  s3.reset();
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
  s3.on(UploadPartCommand).callsFake((input: { PartNumber: number }) => ({
    ETag: `"etag-${input.PartNumber}"`,
  }));
  s3.on(CompleteMultipartUploadCommand).resolves({});
  s3.on(PutObjectCommand).resolves({});
});

describe('Given a streamed export smaller than one part', () => {
  it('is one PutObject of all its bytes, no multipart upload', async () => {
    const result = await store().putStream('exports/a.csv', chunks([10, 20]), 'text/csv');
    expect(result).toEqual({ uri: `s3://${BUCKET}/exports/a.csv`, bytes: 30 });
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
    const [put] = s3.commandCalls(PutObjectCommand);
    expect((put?.args[0].input.Body as Uint8Array | undefined)?.byteLength).toBe(30);
    expect(put?.args[0].input.ContentType).toBe('text/csv');
  });
});

describe('Given a streamed export larger than one part', () => {
  it('uploads parts of at least the part size as they fill, then the rest, and completes in order', async () => {
    const half = MULTIPART_PART_BYTES / 2;
    const result = await store().putStream(
      'exports/big.parquet',
      chunks([half, half, half, 7]),
      'application/x',
    );
    expect(result.bytes).toBe(3 * half + 7);
    const parts = s3.commandCalls(UploadPartCommand).map((call) => call.args[0].input);
    expect(parts.map((part) => [part.PartNumber, (part.Body as Uint8Array).byteLength])).toEqual([
      [1, MULTIPART_PART_BYTES],
      [2, half + 7],
    ]);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input.MultipartUpload).toEqual({
      Parts: [
        { ETag: '"etag-1"', PartNumber: 1 },
        { ETag: '"etag-2"', PartNumber: 2 },
      ],
    });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('aborts the upload when the producer fails, so no partial object appears', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(MULTIPART_PART_BYTES);
      throw new Error('DynamoDB read failed');
    }
    s3.on(AbortMultipartUploadCommand).resolves({});
    await expect(store().putStream('exports/x.csv', failing(), 'text/csv')).rejects.toThrow(
      'DynamoDB read failed',
    );
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input).toEqual({
      Bucket: BUCKET,
      Key: 'exports/x.csv',
      UploadId: 'up-1',
    });
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });
});
