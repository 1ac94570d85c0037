import { readSync } from 'node:fs';

/**
 * The bytes of the open file `fd`, `size` long when fstat read it. One read asks for a byte more
 * than that: a shorter answer is the end of the file (a regular file reads short only there),
 * and a file that grew meanwhile is read on to its end, as readFileSync would.
 */
export function readToEnd(fd: number, size: number): Buffer {
  let buffer = Buffer.allocUnsafe(size + 1);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      const larger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(larger, 0, 0, length);
      buffer = larger;
    }
    const n = readSync(fd, buffer, length, buffer.length - length, length);
    if (n === 0) break;
    length += n;
    if (length < buffer.length && length >= size) break;
  }
  return buffer.subarray(0, length);
}
