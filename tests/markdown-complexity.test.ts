/**
 * markdownComplexity reads every character of every doc a run parses, so it is written for
 * speed (character codes, a search for the counted characters). Here it is held to the plain
 * reading of its rules (`reference`: a character at a time, a blank line trimmed), on texts
 * made of the characters it reacts to and under tight limits, so that every branch is taken.
 */
import { describe, expect, it } from 'vitest';
import { MARKDOWN_LIMITS, markdownComplexity, type MarkdownComplexity } from '../src/formats/markdown.js';

type Limits = { containerDepth: number; bracketWork: number; emphasisWork: number };

function reference(text: string, limits: Limits = MARKDOWN_LIMITS): MarkdownComplexity {
  const items: number[] = [];
  let brackets = 0;
  let emphasis = 0;
  let bracketWork = 0;
  let emphasisWork = 0;
  let paragraphStart = 0;
  let worst = { count: 0, offset: 0 };
  const endParagraph = (): void => {
    bracketWork += brackets * brackets;
    emphasisWork += emphasis * emphasis;
    if (brackets > worst.count) worst = { count: brackets, offset: paragraphStart };
    brackets = 0;
    emphasis = 0;
  };
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    let i = pos;
    let col = 0;
    let markers = 0;
    let indent = -1;
    const fresh: number[] = [];
    for (;;) {
      while (i < end && (text[i] === ' ' || text[i] === '\t')) {
        col = text[i] === '\t' ? col + 4 - (col % 4) : col + 1;
        i++;
      }
      if (indent === -1) indent = col;
      const c = i < end ? text[i] : undefined;
      if (c === '>') {
        if (markers > limits.containerDepth) break;
        markers++;
        i++;
        col++;
        continue;
      }
      let k = i;
      if (c === '-' || c === '+' || c === '*') k = i + 1;
      else {
        while (k < end && k - i < 9 && /[0-9]/.test(text[k] as string)) k++;
        k = k > i && k < end && (text[k] === '.' || text[k] === ')') ? k + 1 : i;
      }
      if (k > i && (k === end || text[k] === ' ' || text[k] === '\t' || text[k] === '\r')) {
        if (markers > limits.containerDepth) break;
        markers++;
        col += k - i;
        i = k;
        fresh.push(col + 1);
        continue;
      }
      break;
    }
    if (text.slice(i, end).trim() === '') endParagraph();
    else {
      if (brackets === 0 && emphasis === 0) paragraphStart = pos;
      let kept = 0;
      while (kept < items.length && (items[kept] as number) <= indent) kept++;
      items.length = kept;
      const depth = kept + markers;
      if (depth > limits.containerDepth) return { tooComplex: { what: `block quotes and list items nested ${depth} deep; the limit is ${limits.containerDepth}`, offset: pos }, noEmphasis: false };
      items.push(...fresh);
      for (let k = i; k < end; k++) {
        if (text[k] === '[' || text[k] === ']') brackets++;
        else if ((text[k] === '*' || text[k] === '_') && text[k - 1] !== text[k]) emphasis++;
      }
    }
    pos = end + 1;
  }
  endParagraph();
  if (bracketWork > limits.bracketWork) {
    return { tooComplex: { what: `${worst.count} brackets in one paragraph (the sum over paragraphs of brackets² is ${bracketWork.toExponential(1)}; the limit is ${limits.bracketWork.toExponential(1)})`, offset: worst.offset }, noEmphasis: false };
  }
  return { tooComplex: undefined, noEmphasis: emphasisWork > limits.emphasisWork };
}

/** Seeded texts of the characters that matter: markers, blanks of every kind, brackets, emphasis. */
function texts(count: number, seed: number): string[] {
  const alphabet = ['[', ']', '*', '**', '_', '__', '>', '-', '+', ' ', '  ', '\t', '\r', '\n', '\n\n', '1', '12', '.', ')', 'a', 'word ', '\u00a0', '\u3000', '\u2028', '\v', '\f', 'é', '😀'];
  let s = seed;
  const next = (): number => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
  return Array.from({ length: count }, () => Array.from({ length: Math.floor(next() * 120) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''));
}

describe('markdownComplexity', () => {
  it('reads as the plain reading of its rules does, under the default limits and tight ones', () => {
    const limits: Array<Limits | undefined> = [undefined, { containerDepth: 3, bracketWork: 40, emphasisWork: 12 }, { containerDepth: 1, bracketWork: 3, emphasisWork: 1 }];
    let refused = 0;
    let withoutEmphasis = 0;
    for (const text of texts(4000, 11)) {
      for (const l of limits) {
        const got = markdownComplexity(text, l);
        expect(got, JSON.stringify(text)).toEqual(reference(text, l));
        if (got.tooComplex) refused++;
        if (got.noEmphasis) withoutEmphasis++;
      }
    }
    // Both outcomes are reached, or the comparison would prove little.
    expect(refused).toBeGreaterThan(100);
    expect(withoutEmphasis).toBeGreaterThan(100);
  });

  it('counts a run of emphasis markers once, brackets each, and ends a paragraph at a line of any white space', () => {
    const tight = { containerDepth: 32, bracketWork: 8, emphasisWork: 3 };
    // One paragraph of 3 brackets: 9 > 8.
    expect(markdownComplexity('a [b] [\n', tight).tooComplex?.what).toMatch(/^3 brackets in one paragraph/);
    // Split by a line of no-break spaces (white space to trim): 2² + 1² = 5.
    expect(markdownComplexity('a [b]\n\u00a0\u3000\n[\n', tight).tooComplex).toBeUndefined();
    // `***` is one marker, `* *` two: 1² and 2², against 3.
    expect(markdownComplexity('a***b\n', tight).noEmphasis).toBe(false);
    expect(markdownComplexity('a * * b\n', tight).noEmphasis).toBe(true);
    // A run at the very start of the text, or of a line, is one marker too.
    const one = { containerDepth: 32, bracketWork: 8, emphasisWork: 1 };
    expect(markdownComplexity('**a\n', one).noEmphasis).toBe(false);
    expect(markdownComplexity('x\n\n__a\n', one).noEmphasis).toBe(false);
    expect(markdownComplexity('*_a\n', one).noEmphasis).toBe(true);
  });
});
