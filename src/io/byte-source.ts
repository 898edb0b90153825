// The one place a random-access file is opened for the binary readers (safetensors): they take a ByteSource, so
// tests hand them bytes in memory.
import { open } from 'node:fs/promises';

/** Random access to bytes: its size, and reads of a range (short only past the end). */
export interface ByteSource {
  readonly name: string;
  readonly byteLength: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** Bytes in memory as a ByteSource. */
export function memorySource(name: string, bytes: Uint8Array): ByteSource {
  return {
    name,
    byteLength: bytes.byteLength,
    read: (offset, length) => Promise.resolve(bytes.subarray(offset, Math.min(bytes.byteLength, offset + length))),
  };
}

/** Opens a file as a ByteSource; close it when done. */
export async function openFileSource(file: string): Promise<ByteSource & { close(): Promise<void> }> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    return {
      name: file,
      byteLength: size,
      async read(offset, length) {
        const buffer = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
        let filled = 0;
        while (filled < buffer.byteLength) {
          const { bytesRead } = await handle.read(buffer, filled, buffer.byteLength - filled, offset + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return filled === buffer.byteLength ? buffer : buffer.subarray(0, filled);
      },
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
