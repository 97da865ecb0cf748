import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTopology, type LoadResult } from '../../src/topology/load.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(ROOT, 'test', 'topology', 'fixtures');

export function readRepoFile(relative: string): string {
  return readFileSync(join(ROOT, relative), 'utf8');
}

export function loadRepoFile(relative: string): LoadResult {
  return loadTopology(readRepoFile(relative), relative);
}

export function loadFixture(name: string): LoadResult {
  const relative = `test/topology/fixtures/${name}`;
  return loadTopology(readRepoFile(relative), relative);
}

export function goldenTopologies(): string[] {
  const dir = join(ROOT, 'test', 'golden');
  return readdirSync(dir)
    .filter((entry) => existsSync(join(dir, entry, 'topology.yaml')))
    .sort()
    .map((entry) => `test/golden/${entry}/topology.yaml`);
}

/** A minimal valid document, for tests that change one thing. */
export const MINIMAL = `apiVersion: netlab/v1
kind: Cluster
metadata: {name: t}
subnets:
  - {name: rack-1, cidr: 10.0.0.0/24, gateway: 10.0.0.254}
nodes:
  - {name: node-1, ip: 10.0.0.1, subnet: rack-1}
`;
