/**
 * dig's full output, +short and the display switches against what the real
 * dig (bind9-dnsutils 9.18.49, Debian 12) printed for the same records
 * (test/exec/fixtures/bind9-dig-captures.txt). The captures were made in a
 * network namespace of our own against test/exec/fixtures/coredns-standin.py,
 * a responder written from CoreDNS's sources (kubernetes plugin, request.Scrub
 * and SizeAndDo), not from netlab; netlab builds the same records as a
 * cluster (fixtures/dig-capture.yaml) and must print the same bytes, but for
 * what the real exchange randomises (the message id, dig's client cookie),
 * the query time and the date, which netlab derives (checked separately).
 * MSG SIZE is compared as printed: it is the length of the reply dig received.
 */
import { describe, expect, it } from 'vitest';
import { routeGet } from '../../src/dataplane/route-get.js';
import { runEmulated } from '../../src/exec/run.js';
import type { NetNs } from '../../src/kernel/netns.js';
import { RT_TABLE } from '../../src/kernel/route.js';
import { parseCidr } from '../../src/net/cidr.js';
import { encodeMessage } from '../../src/net/dns-wire.js';
import { coreDnsQuery, replyMessage, scrub } from '../../src/model/coredns-reply.js';
import { recordText } from '../../src/render/dig.js';
import { deleteRoute } from '../../src/whatif/netns-edit.js';
import { buildFromText, readRepoFile } from '../helpers.js';

interface Capture {
  readonly mode: string;
  readonly command: string;
  readonly exitCode: number;
  readonly stdout: string[];
}

function captures(): Capture[] {
  return readRepoFile('test/exec/fixtures/bind9-dig-captures.txt')
    .split(/^=== /m)
    .slice(1)
    .map((block) => {
      const lines = block.split('\n');
      const [mode, command] = lines[0]!.split(': ') as [string, string];
      return { mode, command, exitCode: Number(/^exit (\d+)$/.exec(lines[1]!)![1]), stdout: lines.slice(2, -1) };
    });
}

/** What changes with every real run: the id, the cookie, the query time, the date. */
function masked(lines: readonly string[]): string[] {
  return lines.map((l) =>
    l
      .replace(/(->>HEADER<<- .*, id: )\d+$/, '$1ID')
      .replace(/^; COOKIE: [0-9a-f]{16} \(echoed\)$/, '; COOKIE: C (echoed)')
      .replace(/^;; Query time: \d+ msec$/, ';; Query time: Q msec')
      .replace(/^;; WHEN: .*$/, ';; WHEN: W'),
  );
}

const all = captures();
const yaml = readRepoFile('test/exec/fixtures/dig-capture.yaml');
const lab = buildFromText(yaml, 'dig-capture.yaml');
const client = lab.dataplane.podNetns(lab.cluster.podByKey.get('default/client')!);

function dig(ns: NetNs, command: string, now?: Date) {
  const r = runEmulated(ns, command.split(' '), { dataplane: lab.dataplane, routeGet, ...(now ? { now } : {}) });
  return { stdout: [...r.stdout], exitCode: r.exitCode, stderr: r.stderr };
}

function capture(mode: string, command: string): Capture {
  const found = all.find((c) => c.mode === mode && c.command === command);
  if (!found) throw new Error(`no capture ${mode}: ${command}`);
  return found;
}

describe('the captures', () => {
  it('are all there', () => {
    expect(all.length).toBe(41);
    expect(capture('answered', 'dig web.default.svc.cluster.local').stdout[1]).toBe(
      '; <<>> DiG 9.18.49-1~deb12u3-Debian <<>> web.default.svc.cluster.local',
    );
  });
});

describe('dig in a pod, answered by CoreDNS, prints what bind printed', () => {
  for (const c of all.filter((x) => x.mode === 'answered')) {
    it(c.command, () => {
      const out = dig(client, c.command);
      expect(masked(out.stdout)).toEqual(masked(c.stdout));
      expect(out.exitCode).toBe(c.exitCode);
      expect(out.stderr).toEqual([]);
    });
  }
});

describe('dig when the server cannot be reached', () => {
  it('connection refused: the three attempts, the banner, no servers reached (exit 9)', () => {
    // The capture asked 10.96.0.10 with nothing listening; here the resolv.conf names a pod without a DNS server.
    const files = new Map(client.files).set('/etc/resolv.conf', client.files.get('/etc/resolv.conf')!.replace('10.96.0.10', '10.244.1.3'));
    const ns: NetNs = { ...client, files };
    for (const command of ['dig web.default.svc.cluster.local', 'dig +noall +answer web.default.svc.cluster.local']) {
      const c = capture('refused', command);
      const r = runEmulated(ns, command.split(' '), { dataplane: lab.dataplane, routeGet });
      expect([...r.stdout], command).toEqual(c.stdout.map((l) => l.replace('10.96.0.10', '10.244.1.3')));
      expect(r.exitCode).toBe(9);
    }
  });

  it('no route to the server: the set-up failure three times, no banner', () => {
    const noDefault = deleteRoute(client, RT_TABLE.main, parseCidr('0.0.0.0/0')!)!;
    const c = capture('noroute', 'dig @10.97.0.1 web.default.svc.cluster.local');
    const out = dig(noDefault, c.command);
    expect(out.stdout).toEqual(c.stdout);
    expect(out.exitCode).toBe(9);
  });
});

describe('what netlab derives instead of randomising', () => {
  const full = (now?: Date) => dig(client, 'dig web.default.svc.cluster.local', now).stdout;

  it('the same command prints the same bytes', () => {
    expect(full()).toEqual(full());
  });

  it('WHEN and the SOA serial: the exec clock (the CLI passes SOURCE_DATE_EPOCH), else the fixed date iptables-save prints', () => {
    expect(full()).toContain(';; WHEN: Sun Nov 22 07:47:50 UTC 2026');
    expect(full(new Date(Date.UTC(2024, 0, 5, 3, 4, 5)))).toContain(';; WHEN: Fri Jan 05 03:04:05 UTC 2024');
    const nx = dig(client, 'dig +noall +authority nosuch.default.svc.cluster.local', new Date(1_700_000_000_000)).stdout;
    expect(nx).toEqual(['cluster.local.\t\t30\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local. 1700000000 7200 1800 86400 30']);
  });

  it('the message id follows the question; the cookie is one per server', () => {
    const id = (command: string) =>
      dig(client, command)
        .stdout.find((l) => l.includes('->>HEADER<<-'))!
        .replace(/.*id: /, '');
    expect(id('dig web.default.svc.cluster.local')).not.toBe(id('dig db.default.svc.cluster.local'));
    const cookie = (command: string) => dig(client, command).stdout.find((l) => l.startsWith('; COOKIE:'));
    expect(cookie('dig web.default.svc.cluster.local')).toBe(cookie('dig db.default.svc.cluster.local'));
    expect(cookie('dig web.default.svc.cluster.local')).toMatch(/^; COOKIE: [0-9a-f]{16} \(echoed\)$/);
  });
});

describe('the reply on the wire', () => {
  const query = {
    id: 1,
    name: 'web.default.svc.cluster.local.',
    type: 'A' as const,
    recursionDesired: true,
    edns: { udpSize: 1232, version: 0, dnssecOk: false, options: [{ code: 10, data: new Uint8Array(8) }] },
  };

  it('is not compressed when it fits (CoreDNS request.Scrub): 12 + 35 question + 45 answer + 23 OPT with the cookie', () => {
    const message = replyMessage(query, coreDnsQuery(lab.cluster, 'web.default.svc.cluster.local', 'A', 0));
    expect(scrub(message, query, false)).toEqual({ size: 115, compressed: false, truncated: false });
    expect(encodeMessage(message, { compress: false }).length).toBe(115);
    // Compressed, the owner name would be a two-byte pointer to the question's name.
    expect(encodeMessage(message, { compress: true }).length).toBe(115 - 31 + 2);
  });

  it('a pointer is 0xC0 and the offset of the question name (12)', () => {
    const bytes = encodeMessage(replyMessage(query, coreDnsQuery(lab.cluster, 'web.default.svc.cluster.local', 'A', 0)), {
      compress: true,
    });
    expect([...bytes.slice(12 + 31 + 4, 12 + 31 + 4 + 2)]).toEqual([0xc0, 12]);
  });

  it("prints records at BIND's column stops", () => {
    expect(recordText({ type: 'A', name: 'a', ttl: 30, address: 0x0a000001 })).toBe('a.\t\t\t30\tIN\tA\t10.0.0.1');
  });
});
