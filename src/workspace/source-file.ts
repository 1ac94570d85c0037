import { lineStarts, positionAt, detectEol } from '../util/text.js';
import { contentDigest } from '../util/digest.js';

/**
 * One file's decoded text. Offsets everywhere in the tool index `text` (BOM removed); the BOM
 * and the original bytes are kept so writing restores them exactly.
 */
export class SourceFile {
  private starts: number[] | undefined;
  private eolCache: '\n' | '\r\n' | undefined;
  /**
   * Parsed forms of this exact text, by parser name (see `parse`): the first one in two fields,
   * any others in a Map. Most files are parsed once (for suppression comments) or never, and a
   * Map per file was 25 MB of a 100,000-file run.
   */
  private firstParser: string | undefined;
  private firstParsed: unknown;
  private parsed: Map<string, unknown> | undefined;
  private digestOfText: string | undefined;

  constructor(
    readonly path: string,
    readonly text: string,
    readonly bom: boolean,
    /** The text's digest when the reader has it already (`decode`): the bytes' digest of a file without a BOM. */
    digest?: string,
  ) {
    this.digestOfText = digest;
  }

  /**
   * The text's content digest, hashed once a text: the parse cache, the parse workers' results
   * and the run memo all know a file by it (at 100,000 files each hashing it again was a second
   * of the run).
   */
  get digest(): string {
    this.digestOfText ??= contentDigest(this.text);
    return this.digestOfText;
  }

  position(offset: number): { line: number; column: number } {
    this.starts ??= lineStarts(this.text);
    return positionAt(this.starts, offset);
  }

  /** Offset of a 0-based line and character (LSP-style positions, as dockerfile-ast gives). */
  offsetAt(line: number, character: number): number {
    this.starts ??= lineStarts(this.text);
    const start = this.starts[Math.min(line, this.starts.length - 1)] ?? 0;
    return Math.min(start + character, this.text.length);
  }

  get eol(): '\n' | '\r\n' {
    this.eolCache ??= detectEol(this.text);
    return this.eolCache;
  }

  /**
   * Parse once per text; the result is shared by every rule and fact that asks, and by every
   * view that keeps this file. The one cache of parses: each format's parse function (formats/)
   * calls it under its own key, and the accessors of facts/files.ts call those.
   */
  parse<T>(parser: string, fn: (file: SourceFile) => T): T {
    if (this.firstParser === parser) return this.firstParsed as T;
    if (this.parsed?.has(parser)) return this.parsed.get(parser) as T;
    const value = fn(this);
    // `fn` may have parsed this file another way meanwhile, and taken the first slot.
    if (this.firstParser === undefined) {
      this.firstParser = parser;
      this.firstParsed = value;
    } else (this.parsed ??= new Map()).set(parser, value);
    return value;
  }

  /**
   * Drop the parses whose key `drop` takes (see Workspace.forgetParses): a later `parse` under
   * such a key parses again.
   */
  forget(drop: (parser: string) => boolean): void {
    if (this.parsed) for (const key of [...this.parsed.keys()]) if (drop(key)) this.parsed.delete(key);
    // An empty first slot takes the next parse.
    if (this.firstParser !== undefined && drop(this.firstParser)) {
      this.firstParser = undefined;
      this.firstParsed = undefined;
    }
  }

  /** The bytes as they go to disk. */
  serialize(): Buffer {
    return Buffer.from((this.bom ? '\uFEFF' : '') + this.text, 'utf8');
  }
}

export type DecodeResult = { ok: true; file: SourceFile } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decode bytes as UTF-8 text, or say why the file is not text we can edit. `bytesDigest`, the
 * bytes' contentDigest when the reader made it, is the text's too when there is no BOM (the
 * decoder is strict, so the text encodes back to the very bytes).
 */
export function decode(path: string, bytes: Buffer, bytesDigest?: string): DecodeResult {
  const probe = bytes.subarray(0, Math.min(bytes.length, 8192));
  if (probe.includes(0)) return { ok: false, reason: 'binary file (contains NUL bytes)' };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, reason: 'not valid UTF-8' };
  }
  const bom = text.charCodeAt(0) === 0xfeff;
  return { ok: true, file: bom ? new SourceFile(path, text.slice(1), true) : new SourceFile(path, text, false, bytesDigest) };
}
