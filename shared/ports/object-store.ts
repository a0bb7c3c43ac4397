/** Options of a single put (documents): S3 user metadata, write-once, Object Lock retention. */
export interface PutOptions {
  metadata?: Record<string, string>;
  /** Only create: an existing object is left alone and the answer says `created: false`. */
  onlyIfAbsent?: boolean;
  retention?: { mode: 'GOVERNANCE' | 'COMPLIANCE'; retainUntil: string };
}

/** Exports, reports and documents: S3 on AWS, a folder under the data dir locally. */
export interface ObjectStore {
  put(
    key: string,
    body: string | Uint8Array,
    contentType: string,
    options?: PutOptions,
  ): Promise<{ uri: string; created?: boolean }>;
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Writes an object from chunks produced over time without holding it whole (ledger exports): an S3
   * multipart upload (one part in memory at a time), a file stream locally. Readers never see a partial
   * object: S3 shows it on CompleteMultipartUpload, the folder on the final rename.
   */
  putStream(
    key: string,
    chunks: AsyncIterable<Uint8Array>,
    contentType: string,
  ): Promise<{ uri: string; bytes: number }>;
}
