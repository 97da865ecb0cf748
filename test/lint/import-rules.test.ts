/**
 * The two import rules of eslint.config.js can fail: an import up the floors
 * and an import circle are reported, and the table of floors is the one
 * ARCHITECTURE.md gives, with every folder of src/ on it. import-x/no-cycle
 * skips `import type` (it leaves nothing at run time), so a last check here
 * finds circles with type-only imports counted too.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface LintConfigModule {
  readonly FLOORS: readonly (readonly string[])[];
  readonly netlabConfig: (root: string) => Linter.Config[];
}
const configFile: string = join(ROOT, 'eslint.config.js');
const { FLOORS, netlabConfig } = (await import(pathToFileURL(configFile).href)) as LintConfigModule;

const IMPORT_RULES = new Set(['import-x/no-restricted-paths', 'import-x/no-cycle']);

async function importProblems(eslint: ESLint, text: string, filePath: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(text, { filePath });
  expect(result!.messages.filter((m) => m.fatal)).toEqual([]);
  return result!.messages.filter((m) => IMPORT_RULES.has(m.ruleId ?? ''));
}

describe('the floors, in the checkout', () => {
  // The repository's own configuration, on a module that does not exist in
  // src/kernel (floor 3) importing modules that do.
  const eslint = new ESLint({ cwd: ROOT });
  const probe = join(ROOT, 'src/kernel/lint-probe.ts');

  it('reports an import from a floor above, naming both floors', async () => {
    const problems = await importProblems(
      eslint,
      "import { traceHeader } from '../views/trace-text.js';\nexport const f = traceHeader;\n",
      probe,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]!.ruleId).toBe('import-x/no-restricted-paths');
    expect(problems[0]!.message).toContain('"../views/trace-text.js"');
    expect(problems[0]!.message).toContain('floor 3 (src/kernel, src/model) may not import from floor 9 (src/views), above it');
  });

  it('reports a type-only import from a floor above too', async () => {
    const problems = await importProblems(eslint, "import type { Trace } from '../flow/trace.js';\nexport type T = Trace;\n", probe);
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringContaining('floor 3 (src/kernel, src/model) may not import from floor 4 (src/flow)'),
    ]);
  });

  it('lets a module import from its own floor and the floors below', async () => {
    const text = [
      "import { parseCidr } from '../net/cidr.js';",
      "import type { Cluster } from '../model/types.js';",
      'export { parseCidr };',
      'export type C = Cluster;',
      '',
    ].join('\n');
    expect(await importProblems(eslint, text, probe)).toEqual([]);
  });
});

describe('the rules on a tree of their own', () => {
  const root = mkdtempSync(join(tmpdir(), 'netlab-lint-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write('src/net/a.ts', "import { b } from './b.js';\nexport const a = () => b() + 1;\n");
  write('src/net/b.ts', "import { a } from './a.js';\nexport const b = (): number => (Math.random() < 0.5 ? 0 : a());\n");
  write('src/dataplane/walk.ts', "import { view } from '../cli/view.js';\nexport const walk = view;\n");
  write('src/cli/view.ts', 'export const view = 1;\n');
  const eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: netlabConfig(root) });

  it('reports an import circle', async () => {
    const [result] = await eslint.lintFiles(['src/net/a.ts']);
    expect(result!.messages.map((m) => [m.ruleId, m.line])).toEqual([['import-x/no-cycle', 1]]);
  });

  it('reports an import up the floors where src/ is', async () => {
    const [result] = await eslint.lintFiles(['src/dataplane/walk.ts']);
    expect(result!.messages.map((m) => m.message)).toEqual([
      expect.stringContaining('floor 6 (src/dataplane) may not import from floor 11 (src/cli)'),
    ]);
  });
});

describe('the table of floors', () => {
  it("is ARCHITECTURE.md's", () => {
    const text = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
    const section = text.slice(text.indexOf('## The floors'), text.indexOf('\n## ', text.indexOf('## The floors') + 1));
    // "3. `kernel`, `model`: netns state ..." -> ['kernel', 'model']
    const floors = [...section.matchAll(/^\d+\. (.*?):/gm)].map((m) => [...m[1]!.matchAll(/`([a-z]+)`/g)].map((w) => w[1]!));
    expect(floors.length).toBeGreaterThan(0);
    expect(floors).toEqual(FLOORS);
  });

  it('has every folder of src/ on exactly one floor', () => {
    const folders = readdirSync(join(ROOT, 'src'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    const onFloors = FLOORS.flat();
    expect([...onFloors].sort()).toEqual([...new Set(onFloors)].sort());
    expect([...folders].sort()).toEqual([...onFloors].sort());
  });
});

describe('import circles, type-only imports counted', () => {
  function sources(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  }

  /** Each module under `dir` and the modules it imports by a relative path: statically, dynamically or for types only. */
  function importGraph(dir: string): Map<string, string[]> {
    const graph = new Map<string, string[]>();
    for (const file of sources(dir)) {
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      const local = importedFiles.map((i) => i.fileName).filter((name) => name.startsWith('.'));
      graph.set(
        file.slice(dir.length + 1),
        local.map((name) =>
          join(dirname(file), name)
            .slice(dir.length + 1)
            .replace(/\.js$/, '.ts'),
        ),
      );
    }
    return graph;
  }

  /** The circles: strongly connected components of more than one module, or a module importing itself (Tarjan). */
  function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const found: string[][] = [];
    const visit = (v: string) => {
      index.set(v, index.size);
      low.set(v, index.get(v)!);
      stack.push(v);
      for (const w of graph.get(v) ?? []) {
        if (!graph.has(w)) continue;
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) !== index.get(v)) return;
      const component = stack.splice(stack.indexOf(v));
      if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component.sort());
    };
    for (const v of graph.keys()) if (!index.has(v)) visit(v);
    return found;
  }

  it('finds a circle that a type-only import closes', () => {
    const root = mkdtempSync(join(tmpdir(), 'netlab-circle-'));
    try {
      mkdirSync(join(root, 'kernel'));
      writeFileSync(
        join(root, 'kernel/builder.ts'),
        "import { QUEUES } from './devices.js';\nexport interface NewLink { queues: number }\nexport const q = QUEUES;\n",
      );
      writeFileSync(
        join(root, 'kernel/devices.ts'),
        "import type { NewLink } from './builder.js';\nexport const QUEUES = 2;\nexport const lo: NewLink = { queues: 1 };\n",
      );
      writeFileSync(join(root, 'kernel/link.ts'), "import { QUEUES } from './devices.js';\nexport const n = QUEUES;\n");
      expect(circles(importGraph(root))).toEqual([['kernel/builder.ts', 'kernel/devices.ts']]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('finds none in src/', () => {
    const graph = importGraph(join(ROOT, 'src'));
    expect(graph.size).toBeGreaterThan(100);
    // Every relative import is a module of src/, so no edge is lost.
    expect([...graph.values()].flat().filter((f) => !graph.has(f))).toEqual([]);
    expect(circles(graph)).toEqual([]);
  });
});
