/** One ```ts block of the README. */
export interface Snippet {
  /** A file name that says where the block starts: `readme-L42` holds README lines 42 onwards. */
  readonly name: string;
  /** The `## ` heading the block sits under. */
  readonly section: string;
  readonly code: string;
}

/** Every ```ts block (or ```<lang>) of a markdown text, with the heading it sits under. */
export function readmeSnippets(markdown: string, lang = 'ts'): Snippet[] {
  const snippets: Snippet[] = [];
  const lines = markdown.split('\n');
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('## ')) section = line.slice(3).trim();
    if (line.trim() !== `\`\`\`${lang}`) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && (lines[end] ?? '').trim() !== '```') end++;
    snippets.push({ name: `readme-L${start + 1}`, section, code: `${lines.slice(start, end).join('\n')}\n` });
    i = end;
  }
  return snippets;
}

/**
 * The same program as a CommonJS module: top-level `await` is ESM only, so everything after the
 * imports moves into an async `main`. The imports stay, and tsc turns them into `require` calls.
 */
export function toCommonJsMain(code: string): string {
  const lines = code.split('\n');
  const imports = lines.filter((line) => line.startsWith('import '));
  const body = lines.filter((line) => !line.startsWith('import '));
  return [...imports, 'async function main(): Promise<void> {', ...body, '}', 'void main();', ''].join('\n');
}
