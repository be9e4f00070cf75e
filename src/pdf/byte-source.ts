/**
 * Random access to the PDF bytes without loading the file: a path is read through a file descriptor
 * in 64 KiB blocks with a small cache, so memory stays bounded whatever the file size.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const BLOCK_SIZE = 64 * 1024;
const CACHED_BLOCKS = 32;

export interface ByteSource {
  readonly size: number;
  /** Bytes [start, end) clipped to the file; a fresh Buffer the caller may keep. */
  slice(start: number, end: number): Buffer;
  /** The byte at `position`, or -1 outside the file. */
  byteAt(position: number): number;
  close(): void;
}

export class MemoryByteSource implements ByteSource {
  readonly size: number;
  constructor(private readonly bytes: Uint8Array) {
    this.size = bytes.length;
  }

  slice(start: number, end: number): Buffer {
    const from = Math.max(0, start);
    const to = Math.min(this.size, end);
    return to > from ? Buffer.from(this.bytes.subarray(from, to)) : Buffer.alloc(0);
  }

  byteAt(position: number): number {
    return position >= 0 && position < this.size ? this.bytes[position]! : -1;
  }

  close(): void {}
}

export class FileByteSource implements ByteSource {
  readonly size: number;
  private readonly fd: number;
  private readonly blocks = new Map<number, Buffer>();
  private lastIndex = -1;
  private lastBlock: Buffer = Buffer.alloc(0);

  constructor(path: string) {
    this.fd = openSync(path, 'r');
    try {
      this.size = fstatSync(this.fd).size;
    } catch (error) {
      closeSync(this.fd);
      throw error;
    }
  }

  private block(index: number): Buffer {
    if (index === this.lastIndex) return this.lastBlock;
    let block = this.blocks.get(index);
    if (block === undefined) {
      const start = index * BLOCK_SIZE;
      const length = Math.min(BLOCK_SIZE, this.size - start);
      block = Buffer.allocUnsafe(Math.max(0, length));
      let done = 0;
      while (done < length) {
        const n = readSync(this.fd, block, done, length - done, start + done);
        if (n === 0) break;
        done += n;
      }
      if (this.blocks.size >= CACHED_BLOCKS) this.blocks.delete(this.blocks.keys().next().value!);
      this.blocks.set(index, block);
    }
    this.lastIndex = index;
    this.lastBlock = block;
    return block;
  }

  byteAt(position: number): number {
    if (position < 0 || position >= this.size) return -1;
    return this.block(Math.floor(position / BLOCK_SIZE))[position % BLOCK_SIZE]!;
  }

  slice(start: number, end: number): Buffer {
    const from = Math.max(0, start);
    const to = Math.min(this.size, end);
    if (to <= from) return Buffer.alloc(0);
    const out = Buffer.allocUnsafe(to - from);
    let done = 0;
    while (done < out.length) {
      const n = readSync(this.fd, out, done, out.length - done, from + done);
      if (n === 0) break;
      done += n;
    }
    return out.subarray(0, done);
  }

  close(): void {
    closeSync(this.fd);
  }
}
