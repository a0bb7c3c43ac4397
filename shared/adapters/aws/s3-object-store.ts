import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { ObjectStore, PutOptions } from '../../ports/object-store.js';

/** Size of one multipart part (S3's minimum is 5 MiB for every part but the last): the memory bound. */
export const MULTIPART_PART_BYTES = 8 * 1024 * 1024;

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, body: string | Uint8Array, contentType: string, options: PutOptions = {}) {
    const uri = `s3://${this.bucket}/${key}`;
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ...(options.metadata ? { Metadata: options.metadata } : {}),
          ...(options.onlyIfAbsent ? { IfNoneMatch: '*' } : {}),
          // Object Lock needs an integrity checksum on the request; SHA-256 is also what the document row records.
          ...(options.retention
            ? {
                ObjectLockMode: options.retention.mode,
                ObjectLockRetainUntilDate: new Date(options.retention.retainUntil),
                ChecksumAlgorithm: 'SHA256' as const,
              }
            : {}),
        }),
      );
    } catch (error) {
      if (options.onlyIfAbsent && isPreconditionFailed(error)) return { uri, created: false };
      throw error;
    }
    return options.onlyIfAbsent ? { uri, created: true } : { uri };
  }

  /**
   * Streams `chunks` to the object: below one part it is a single PutObject; above, a multipart upload
   * started on the first full part, aborted if anything fails, so no half object is ever visible.
   */
  async putStream(key: string, chunks: AsyncIterable<Uint8Array>, contentType: string) {
    const uri = `s3://${this.bucket}/${key}`;
    let buffered: Uint8Array[] = [];
    let bufferedBytes = 0;
    let bytes = 0;
    let uploadId: string | undefined;
    const parts: { ETag: string | undefined; PartNumber: number }[] = [];
    const take = (): Uint8Array => {
      const body = Buffer.concat(buffered, bufferedBytes);
      buffered = [];
      bufferedBytes = 0;
      return body;
    };
    const uploadPart = async () => {
      if (!uploadId) {
        const created = await this.client.send(
          new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: contentType }),
        );
        uploadId = created.UploadId;
      }
      const PartNumber = parts.length + 1;
      const result = await this.client.send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber,
          Body: take(),
        }),
      );
      parts.push({ ETag: result.ETag, PartNumber });
    };
    try {
      for await (const chunk of chunks) {
        buffered.push(chunk);
        bufferedBytes += chunk.byteLength;
        bytes += chunk.byteLength;
        if (bufferedBytes >= MULTIPART_PART_BYTES) await uploadPart();
      }
      if (!uploadId) {
        await this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: take(), ContentType: contentType }),
        );
        return { uri, bytes };
      }
      if (bufferedBytes > 0) await uploadPart();
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
      return { uri, bytes };
    } catch (error) {
      if (uploadId) {
        await this.client
          .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }))
          .catch(() => undefined);
      }
      throw error;
    }
  }

  async get(key: string) {
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return result.Body ? await result.Body.transformToByteArray() : undefined;
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }
}

/** S3 answers 412 Precondition Failed when `If-None-Match: *` meets an existing object. */
function isPreconditionFailed(error: unknown): boolean {
  const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return failure?.name === 'PreconditionFailed' || failure?.$metadata?.httpStatusCode === 412;
}
