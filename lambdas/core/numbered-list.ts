// The seed's change template writes some lists as numbered plain text ("1. ..." lines under a key, not "- ..."),
// which YAML reads as one string: `rollback_steps:\n  1. "a"\n  2. "b"` is the plain scalar `1. "a" 2. "b"`, and a
// block scalar keeps the line breaks. Such a string is read as its items, so the template copied verbatim is accepted.

/** Text that reads as a numbered list: "1." or "1)" first, then white space. */
export const NUMBERED_TEXT = /^\s*1[.)]\s/;

/** A marker: a number with "." or ")" at the start or after white space, followed by white space. */
const MARKER = /(^|\s)(\d{1,3})[.)]\s+/g;

/** Quotes around a whole item are the writer's, not the item's (`1. "트래픽 차단"`). */
function unquote(item: string): string {
  const t = item.trim();
  const m = /^"(.*)"$/s.exec(t) ?? /^'(.*)'$/s.exec(t);
  return (m ? (m[1] as string) : t).trim();
}

/**
 * The items of a numbered plain-text list, or undefined when the text is not one: it must start with "1." (or "1)")
 * and its markers count up 1, 2, 3, …; a number out of sequence ("below 5. ") is part of the item's text.
 */
export function numberedItems(text: string): string[] | undefined {
  const starts: { at: number; textAt: number }[] = [];
  let expected = 1;
  for (const m of text.matchAll(MARKER)) {
    if (Number(m[2]) !== expected) continue;
    const at = (m.index ?? 0) + (m[1] as string).length;
    if (expected === 1 && text.slice(0, at).trim() !== '') return undefined;
    starts.push({ at, textAt: (m.index ?? 0) + m[0].length });
    expected += 1;
  }
  if (starts.length === 0) return undefined;
  const items = starts.map((s, i) => unquote(text.slice(s.textAt, starts[i + 1]?.at ?? text.length)));
  return items.some((i) => i === '') ? undefined : items;
}

/** For z.preprocess: a numbered plain-text string becomes its items; anything else is left for the schema to judge. */
export function listFromNumberedText(value: unknown): unknown {
  return typeof value === 'string' ? numberedItems(value) ?? value : value;
}
