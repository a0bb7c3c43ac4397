import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, mkdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectStore, PutOptions } from '../../shared/ports/object-store.js';

/**
 * The bucket as a folder under the data dir; writes go through a temp file so readers never see half a file.
 * Metadata and retention (S3 user metadata, Object Lock) are kept beside it in `.meta/<key>.json`; a folder
 * cannot enforce retention, so locally it is a record only.
 */
export class FileObjectStore implements ObjectStore {
  constructor(private readonly root: string) {}

  private path(key: string): string {
    const path = resolve(this.root, key);
    if (!path.startsWith(resolve(this.root) + sep)) throw new Error(`object key escapes the bucket: ${key}`);
    return path;
  }

  async put(key: string, body: string | Uint8Array, contentType: string, options: PutOptions = {}) {
    const path = this.path(key);
    const uri = `file://${join(resolve(this.root), key)}`;
    await mkdir(dirname(path), { recursive: true });
    // Unique per write: two requests in this process may put the same key at once (two reorder runs).
    const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(temp, body);
    if (!options.onlyIfAbsent) {
      await rename(temp, path);
      await this.writeMeta(key, contentType, options);
      return { uri };
    }
    // link() fails when the name exists, atomically: the write-once check and the write are one step.
    try {
      await link(temp, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { uri, created: false };
      throw error;
    } finally {
      await unlink(temp);
    }
    await this.writeMeta(key, contentType, options);
    return { uri, created: true };
  }

  private async writeMeta(key: string, contentType: string, options: PutOptions) {
    if (!options.metadata && !options.retention) return;
    const meta = this.path(join('.meta', `${key}.json`));
    await mkdir(dirname(meta), { recursive: true });
    const { metadata, retention } = options;
    await writeFile(meta, JSON.stringify({ contentType, metadata, retention }, null, 2));
  }

  async putStream(key: string, chunks: AsyncIterable<Uint8Array>, _contentType: string) {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
    let bytes = 0;
    const counted = async function* () {
      for await (const chunk of chunks) {
        bytes += chunk.byteLength;
        yield chunk;
      }
    };
    try {
      await pipeline(Readable.from(counted()), createWriteStream(temp));
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await rename(temp, path);
    return { uri: `file://${join(resolve(this.root), key)}`, bytes };
  }

  async get(key: string) {
    try {
      return new Uint8Array(await readFile(this.path(key)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
