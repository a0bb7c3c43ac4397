/** Exports, reports and documents: S3 on AWS, a folder under the data dir locally. */
export interface ObjectStore {
  put(key: string, body: string | Uint8Array, contentType: string): Promise<{ uri: string }>;
  get(key: string): Promise<Uint8Array | undefined>;
}
