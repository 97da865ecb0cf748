/** `netlab policy`: the reachability matrix, text and JSON, and its usage errors. */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { DB_FROM_WEB, SHOP } from '../dataplane/policy-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'netlab-policy-'));
const calico = join(dir, 'calico.yaml');
const flannel = join(dir, 'flannel.yaml');
writeFileSync(calico, SHOP('{plugin: calico, mode: vxlan}', DB_FROM_WEB));
writeFileSync(flannel, SHOP('{plugin: flannel}', DB_FROM_WEB));

describe('netlab policy', () => {
  it('prints the matrix and the reason for each denied cell', async () => {
    const r = await runCli(['-f', calico, '--no-color', 'policy', '-n', 'shop', '-n', 'default']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('│ default/client │ ✓        │ ✓          │ -              │ ✗       │');
    expect(r.stdout).toContain(
      'denied:\n  shop/cache → shop/db tcp/5432: shop/db is isolated for ingress by shop/db-from-web, and none of its 1 ingress rule matches\n',
    );
  });
  it('marks what flannel would not enforce', async () => {
    const r = await runCli(['-f', flannel, '--no-color', 'policy', '-n', 'shop', '--port', '5432']);
    expect(r.stdout).toContain('│ cache     │ ✓   │ -     │ ✗* │');
    expect(r.stdout).toContain('* flannel does not enforce NetworkPolicy');
    expect(r.stdout).toContain('would be denied (not enforced):');
  });
  it('gives the matrix as JSON', async () => {
    const r = await runCli(['-f', calico, '-o', 'json', 'policy', '-n', 'shop']);
    const matrix = JSON.parse(r.stdout);
    expect(matrix.enforcedBy).toBe('calico');
    expect(matrix.cells.find((c: { from: string; to: string }) => c.from === 'shop/cache' && c.to === 'shop/db')).toMatchObject({
      reach: 'none',
      ports: [{ port: 'tcp/5432', allowed: false }],
    });
  });
  it('refuses an unknown namespace and a bad port (exit 2)', async () => {
    expect((await runCli(['-f', calico, 'policy', '-n', 'nope'])).code).toBe(2);
    expect((await runCli(['-f', calico, 'policy', '--port', '70000'])).code).toBe(2);
  });
});
