import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { ObjectStore } from '../../shared/ports/object-store.js';

/** The bucket as a folder under the data dir; writes go through a temp file so readers never see half a file. */
export class FileObjectStore implements ObjectStore {
  constructor(private readonly root: string) {}

  private path(key: string): string {
    const path = resolve(this.root, key);
    if (!path.startsWith(resolve(this.root) + sep)) throw new Error(`object key escapes the bucket: ${key}`);
    return path;
  }

  async put(key: string, body: string | Uint8Array, _contentType: string) {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    // Unique per write: two requests in this process may put the same key at once (two reorder runs).
    const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(temp, body);
    await rename(temp, path);
    return { uri: `file://${join(resolve(this.root), key)}` };
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
