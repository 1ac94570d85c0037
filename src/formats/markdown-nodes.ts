/**
 * The nodes of a Markdown document the docs rules read, as a parser reports them: before the
 * offsets of their characters are worked out (markdown.ts, `buildModel`). Both parsers
 * (markdown-it, and mdast as the fallback) produce this same list, so everything after it is
 * one piece of code.
 */
export interface MdNodeOfInterest {
  type: 'inlineCode' | 'code' | 'link' | 'image' | 'definition' | 'heading';
  /** Span in the original text (before any line-ending normalisation). */
  start: number;
  end: number;
  /** 1-based line of `start`. */
  line: number;
  /** Code span or code block content, with the file's own line endings. */
  value?: string;
  lang?: string | undefined;
  meta?: string | undefined;
  /** Link, image or definition destination, decoded (escapes and character references). */
  url?: string;
  depth?: number;
  /** A heading's plain text. */
  text?: string;
}
