/** The CLI end of dig's clock (SOURCE_DATE_EPOCH) and of ipvsadm after --traffic. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';

describe('netlab exec -- dig', () => {
  it('prints WHEN from SOURCE_DATE_EPOCH', async () => {
    const run = await runCli(['exec', 'pod-c', '--', 'dig', 'web.default.svc.cluster.local'], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('\n;; WHEN: Tue Nov 14 22:13:20 UTC 2023\n');
  });

  it('without it, the fixed date', async () => {
    expect((await runCli(['exec', 'pod-c', '--', 'dig', 'web.default.svc.cluster.local'])).stdout).toContain(
      '\n;; WHEN: Sun Nov 22 07:47:50 UTC 2026\n',
    );
  });

  it('a SOURCE_DATE_EPOCH that is not a number of seconds is a usage error', async () => {
    const run = await runCli(['exec', 'pod-c', '--', 'dig', 'web'], { env: { SOURCE_DATE_EPOCH: 'yesterday' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('SOURCE_DATE_EPOCH');
  });
});

describe('netlab exec --traffic -- ipvsadm -Lnc', () => {
  it('lists the connection the traffic made through the node', async () => {
    const run = await runCli([
      '--set',
      'network.kubeProxy.mode=ipvs',
      'exec',
      'node-02',
      '--traffic',
      'pod-c svc/web:80',
      '--',
      'ipvsadm',
      '-Lnc',
    ]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual([
      'IPVS connection entries',
      'pro expire state       source             virtual            destination',
    ]);
    expect(lines.slice(2)).toHaveLength(1);
    expect(lines[2]).toMatch(/^TCP 14:59  ESTABLISHED 10\.244\.1\.3:45678   10\.\d+\.\d+\.\d+:80 +10\.244\.[12]\.2:80$/);
  });
});
