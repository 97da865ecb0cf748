/**
 * Every capture under test/render/real/<ns>/ (real tools, real namespaces;
 * see its README) run through runEmulated on the matching hand-built
 * fixture, compared byte for byte after the masks of masks.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NetNs } from '../../src/kernel/netns.js';
import { runEmulated } from '../../src/exec/run.js';
import { toText } from '../../src/render/types.js';
import { labMisc, labNode, labPod } from './fixtures.js';
import { maskIfconfigCounters, maskIpStats, maskIptablesCounters, maskIptablesDate, maskNeighbours, maskTimers } from './masks.js';

const ROOT = join(import.meta.dirname, 'real');
const FIXTURES: Record<string, () => NetNs> = { n1: labNode, p1: labPod, x: labMisc };

function mask(command: string, text: string): string {
  let out = maskIptablesCounters(maskIptablesDate(maskIfconfigCounters(maskIpStats(maskTimers(text)))));
  if (/^(ip( -\d)? neigh|arp)/.test(command)) out = maskNeighbours(out);
  return out;
}

for (const dir of Object.keys(FIXTURES)) {
  describe(`real captures: ${dir}`, () => {
    const ns = FIXTURES[dir]!();
    for (const file of readdirSync(join(ROOT, dir)).sort()) {
      const command = file
        .replace(/\.txt$/, '')
        .split('_')
        .join(' ');
      it(command, () => {
        const expected = readFileSync(join(ROOT, dir, file), 'utf8');
        const result = runEmulated(ns, command.split(' '));
        const actual = toText(result.stdout) + result.stderr.map((l) => `${l}\n`).join('');
        expect(mask(command, actual)).toBe(mask(command, expected));
      });
    }
  });
}
