import { createHash } from 'node:crypto';

/**
 * The digest a file's content is known by: in the persistent cache, in a parse worker's
 * results, in the run memo. A text's digest is that of its UTF-8 bytes, so a file read from disk
 * without a BOM has one digest as bytes and as text, and is hashed once (SourceFile.digest).
 */
export function contentDigest(content: string | Uint8Array): string {
  return createHash('sha1').update(content).digest('hex');
}
