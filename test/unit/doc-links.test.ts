import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parsers } from 'prettier/plugins/markdown';

/**
 * Every relative link in README.md and docs/ must name a file of this repository, and an `#anchor`
 * a heading of its target, as GitHub renders them. The Markdown is parsed with the parser Prettier
 * formats it with, so links in code are not links and reference definitions are.
 */

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface MdNode {
  readonly type: string;
  readonly url?: string;
  readonly value?: string;
  readonly depth?: number;
  readonly children?: readonly MdNode[];
  readonly position?: { readonly start: { readonly line: number } };
}

interface BrokenLink {
  readonly file: string;
  readonly line: number;
  readonly url: string;
  readonly problem: string;
}

async function parseMarkdown(text: string): Promise<MdNode> {
  // The Markdown parser reads no options; the plugin's type asks for Prettier's whole set.
  const noOptions = {} as Parameters<typeof parsers.markdown.parse>[1];
  return (await parsers.markdown.parse(text, noOptions)) as MdNode;
}

function walk(node: MdNode, visit: (node: MdNode) => void): void {
  visit(node);
  for (const child of node.children ?? []) walk(child, visit);
}

const textOf = (node: MdNode): string =>
  node.type === 'text' || node.type === 'inlineCode'
    ? (node.value ?? '')
    : (node.children ?? []).map(textOf).join('');

/** GitHub's heading anchors (github-slugger): lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingAnchors(root: MdNode): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  walk(root, (node) => {
    if (node.type !== 'heading') return;
    const slug = textOf(node)
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const repeats = seen.get(slug) ?? 0;
    seen.set(slug, repeats + 1);
    anchors.add(repeats === 0 ? slug : `${slug}-${repeats}`);
  });
  return anchors;
}

/** Link targets of a Markdown document: links, images, reference definitions, and href/src in raw HTML. */
function linksOf(root: MdNode): { url: string; line: number }[] {
  const links: { url: string; line: number }[] = [];
  walk(root, (node) => {
    const line = node.position?.start.line ?? 0;
    if ((node.type === 'link' || node.type === 'image' || node.type === 'definition') && node.url) {
      links.push({ url: node.url, line });
    }
    if (node.type === 'html' && node.value) {
      for (const match of node.value.matchAll(/\b(?:href|src)\s*=\s*"([^"]*)"/g)) {
        links.push({ url: match[1] ?? '', line });
      }
    }
  });
  return links;
}

const hasScheme = (url: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//');

/** The Markdown files the check covers: README.md and everything under docs/. */
function documentationFiles(root: string): string[] {
  const docs = join(root, 'docs');
  const underDocs = existsSync(docs)
    ? readdirSync(docs, { recursive: true, encoding: 'utf8' })
        .filter((name) => name.endsWith('.md'))
        .map((name) => join(docs, name))
    : [];
  return [join(root, 'README.md'), ...underDocs].filter((file) => existsSync(file)).sort();
}

/** Every link of the documentation under `root` that does not resolve inside `root`. */
async function brokenLinks(root: string): Promise<BrokenLink[]> {
  const parsed = new Map<string, MdNode>();
  const parse = async (file: string): Promise<MdNode> => {
    const known = parsed.get(file);
    if (known) return known;
    const tree = await parseMarkdown(readFileSync(file, 'utf8'));
    parsed.set(file, tree);
    return tree;
  };
  const broken: BrokenLink[] = [];
  for (const file of documentationFiles(root)) {
    const shown = relative(root, file);
    for (const { url, line } of linksOf(await parse(file))) {
      const report = (problem: string) => broken.push({ file: shown, line, url, problem });
      if (hasScheme(url)) continue;
      const [rawPath = '', anchor] = url.split('#', 2);
      if (rawPath.startsWith('/')) {
        report('is absolute: link relative to this file');
        continue;
      }
      const target = rawPath === '' ? file : resolve(dirname(file), decodeURIComponent(rawPath));
      const inside = relative(root, target);
      if (inside === '..' || inside.startsWith(`..${sep}`)) {
        report('points outside the repository');
        continue;
      }
      if (!existsSync(target)) {
        report('names no file');
        continue;
      }
      if (anchor !== undefined && target.endsWith('.md')) {
        if (!headingAnchors(await parse(target)).has(anchor)) report(`#${anchor} is no heading there`);
      }
    }
  }
  return broken;
}

const describeBroken = (links: readonly BrokenLink[]): string =>
  links.map((l) => `${l.file}:${l.line} ${l.url} ${l.problem}`).join('\n');

void describe('documentation links', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'doc-links-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  void test('finds a link to a missing file, one leaving the repository and an anchor with no heading', async () => {
    // prepare: a small repository with one good link of each kind and one bad
    const root = join(scratch, 'repository');
    mkdirSync(join(root, 'docs', 'sign-in'), { recursive: true });
    writeFileSync(join(root, 'outside.md'), '# Outside\n');
    writeFileSync(
      join(root, 'README.md'),
      [
        '# Product',
        '',
        'Good: [forms](docs/sign-in/forms.md#the-forms-page), [self](#product), [web](https://example.com/x.md).',
        'Bad: [gone](docs/gone.md), [out](../outside.md), [anchor](docs/sign-in/forms.md#nowhere).',
        '',
        '`[in code](docs/gone.md)` is no link.',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(root, 'docs', 'sign-in', 'forms.md'),
      '# Forms\n\n## The forms page\n\nBack to the [README](../../README.md#product).\n',
    );

    // act
    const broken = await brokenLinks(root);

    // assess
    assert.deepEqual(
      broken.map(({ url, problem }) => ({ url, problem })),
      [
        { url: 'docs/gone.md', problem: 'names no file' },
        { url: '../outside.md', problem: 'points outside the repository' },
        { url: 'docs/sign-in/forms.md#nowhere', problem: '#nowhere is no heading there' },
      ],
    );
  });

  void test('anchors follow GitHub: code read as text, punctuation dropped, repeated headings numbered', async () => {
    // prepare
    const tree = await parseMarkdown(
      '# The configuration: `deploy.config.json`\n\n## Why? (and how)\n\n## Why? (and how)\n\n## Über-Setting_X\n',
    );

    // act
    const anchors = [...headingAnchors(tree)];

    // assess
    assert.deepEqual(anchors, [
      'the-configuration-deployconfigjson',
      'why-and-how',
      'why-and-how-1',
      'über-setting_x',
    ]);
  });

  void test('every relative link in README.md and docs/ names a file of the repository and a heading there', async () => {
    // prepare
    const files = documentationFiles(repositoryRoot);
    assert.ok(files.length > 10, `expected README.md and the docs pages, found ${files.length}`);

    // act
    const broken = await brokenLinks(repositoryRoot);

    // assess
    assert.deepEqual(broken, [], `broken links:\n${describeBroken(broken)}`);
  });
});
