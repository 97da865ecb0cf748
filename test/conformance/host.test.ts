/** The suite skips, with a clear reason, where it cannot build anything: checked here without root. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { probeHost } from './host.js';

describe('probeHost: why the conformance suite would be skipped', () => {
  afterEach(() => vi.restoreAllMocks());

  it('not root: says so, and touches nothing', () => {
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
    const host = probeHost('nlc-never-created');
    expect(host.unusable).toMatch(/^not root: /);
    expect(host.missingKinds.size).toBe(0);
  });

  it('not Linux: says so', () => {
    vi.spyOn(process, 'platform', 'get').mockReturnValue('darwin');
    expect(probeHost('nlc-never-created').unusable).toMatch(/^not Linux/);
  });
});
