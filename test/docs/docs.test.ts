import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The README is a front door: 200 lines or fewer. Every relative link in README.md and docs/*.md
 * points at a file that exists (and at a heading that exists, when it names one), and the
 * Portuguese front door, docs/pt-BR.md, links the same files as the README.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const README = join(ROOT, 'README.md');
const PT_BR = join(ROOT, 'docs/pt-BR.md');
const DOCS = readdirSync(join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => join(ROOT, 'docs', name));

/** Markdown without its fenced code blocks, where neither links nor headings are. */
const withoutFences = (markdown: string) => markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');

/** Markdown without its code, fenced or inline, where `[x](y)` is not a link. */
const prose = (markdown: string) => withoutFences(markdown).replace(/`[^`\n]*`/g, '');

/** The inline links and images of a Markdown file: `[text](target)`, target without a title. */
function linkTargets(markdown: string): string[] {
  return [...prose(markdown).matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
}

const isRelative = (target: string) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('//');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, text] of withoutFences(markdown)
    .replace(/`([^`\n]*)`/g, '$1')
    .matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = text!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Each broken relative link of a file, as `target: why`. */
function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  const markdown = readFileSync(file, 'utf8');
  for (const target of linkTargets(markdown).filter(isRelative)) {
    const [path, fragment] = target.split('#', 2) as [string, string | undefined];
    const linked = path === '' ? file : resolve(dirname(file), decodeURI(path));
    if (!existsSync(linked)) {
      broken.push(`${target}: no such file`);
      continue;
    }
    if (fragment && linked.endsWith('.md') && statSync(linked).isFile() && !anchors(readFileSync(linked, 'utf8')).has(fragment)) {
      broken.push(`${target}: no heading #${fragment} in ${relative(ROOT, linked)}`);
    }
  }
  return broken;
}

/** The files a front door links to, relative to the repository, the two front doors left out. */
function linkedFiles(file: string): string[] {
  const files = linkTargets(readFileSync(file, 'utf8'))
    .filter(isRelative)
    .map((target) => relative(ROOT, resolve(dirname(file), decodeURI(target.split('#')[0]!))))
    .filter((path) => path !== '' && path !== 'README.md' && path !== 'docs/pt-BR.md');
  return [...new Set(files)].sort();
}

describe('the README is a front door', () => {
  test('it has 200 lines or fewer', () => {
    const lines = readFileSync(README, 'utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    expect(lines.length).toBeLessThanOrEqual(200);
  });

  test('docs/pt-BR.md, the Portuguese front door, links exactly the files the README links', () => {
    const english = linkedFiles(README);
    expect(english.length).toBeGreaterThan(10);
    expect(linkedFiles(PT_BR)).toEqual(english);
  });

  test('docs/pt-BR.md has the same sections as the README', () => {
    const sections = (file: string) => readFileSync(file, 'utf8').match(/^## /gm)?.length;
    expect(sections(PT_BR)).toBe(sections(README));
  });

  test('the README links every doc in docs/', () => {
    const linked = new Set(linkedFiles(README));
    expect(DOCS.map((file) => relative(ROOT, file)).filter((doc) => doc !== 'docs/pt-BR.md' && !linked.has(doc))).toEqual([]);
  });
});

describe('relative links point at files that exist', () => {
  test.each([README, ...DOCS].map((file) => [relative(ROOT, file), file]))('%s', (_name, file) => {
    expect(brokenLinks(file)).toEqual([]);
  });
});

describe('the link checker itself', () => {
  test('finds links outside code, and resolves them against the file', () => {
    const md = 'See [a](docs/a.md#x) and ![img](./p.png "t").\n\n```bash\n[not](a/link.md)\n```\nand `[nor](this.md)`\n';
    expect(linkTargets(md)).toEqual(['docs/a.md#x', './p.png']);
  });

  test('anchors follow GitHub: punctuation dropped, case folded, repeats numbered', () => {
    const md = '# During an outage (PicPay, DynamoDB or SNS down for hours)\n## `doctor`: prove it\n## Dup\n## Dup\n```\n# not a heading\n```\n';
    expect([...anchors(md)]).toEqual(['during-an-outage-picpay-dynamodb-or-sns-down-for-hours', 'doctor-prove-it', 'dup', 'dup-1']);
  });
});
