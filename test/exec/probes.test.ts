/**
 * ping and traceroute through runEmulated, against what the real tools
 * printed for the same topology built for real (test/conformance): the
 * layout details the round-trip-time masks do not hide.
 */
import { describe, expect, it } from 'vitest';
import { routeGet } from '../../src/dataplane/route-get.js';
import { runEmulated } from '../../src/exec/run.js';
import { stdoutText } from '../../src/exec/types.js';
import { parseIPv4 } from '../../src/net/ipv4.js';
import { renderTraceroute } from '../../src/render/traceroute.js';
import { buildLab } from '../helpers.js';
import { labMisc } from '../render/fixtures.js';

const lab = buildLab('test/golden/flannel-hostgw-2subnets/topology.yaml');
const podA = lab.dataplane.podNetns(lab.cluster.pods.find((p) => p.name === 'pod-a')!);
const run = (argv: string[]) => {
  const r = runEmulated(podA, argv, { dataplane: lab.dataplane, routeGet });
  return { stdout: [...r.stdout], stderr: r.stderr, exitCode: r.exitCode };
};

describe('traceroute -q', () => {
  it('prints one time per probe, and one * per unanswered probe', () => {
    const out = run(['traceroute', '-n', '-q', '1', '-w', '1', '10.244.2.2']);
    expect(out.stdout[0]).toBe('traceroute to 10.244.2.2 (10.244.2.2), 30 hops max, 60 byte packets');
    expect(out.stdout[1]).toMatch(/^ 1 {2}10\.244\.1\.1 {2}\d+\.\d{3} ms$/);
    expect(out.stdout.slice(2)).toEqual(Array.from({ length: 29 }, (_, i) => `${String(i + 2).padStart(2)}  *`));
  });

  it('keeps three by default', () => {
    expect(run(['traceroute', '-n', '10.244.2.2']).stdout[2]).toBe(' 2  * * *');
  });

  it('refuses more than 10, as traceroute 2.1.2 does', () => {
    expect(run(['traceroute', '-n', '-q', '11', '10.244.2.2'])).toEqual({
      stdout: [],
      stderr: ['no more than 10 probes per hop'],
      exitCode: 2,
    });
  });
});

describe('ping', () => {
  it('ends with an empty line when nothing came back (iputils finish() always ends with a newline)', () => {
    const out = run(['ping', '-c', '1', '-W', '1', '10.244.2.2']);
    expect(out.stdout.slice(0, 1)).toEqual(['PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.']);
    expect(out.stdout.slice(1, 3)).toEqual(['', '--- 10.244.2.2 ping statistics ---']);
    expect(out.stdout[3]).toMatch(/^1 packets transmitted, 0 received, 100% packet loss, time \d+ms$/);
    expect(out.stdout.slice(4)).toEqual(['']);
    expect(out.exitCode).toBe(1);
  });

  it('ends with the rtt line when a reply came back', () => {
    const out = run(['ping', '-c', '1', '10.244.1.1']);
    expect(out.stdout[out.stdout.length - 1]).toMatch(/^rtt min\/avg\/max\/mdev = /);
  });
});

describe('traceroute without a route', () => {
  it('leaves its header unterminated and writes the newline to stderr before the error, as traceroute 2.1.2 does', () => {
    const out = renderTraceroute({ dst: parseIPv4('203.0.113.5')!, maxHops: 30, packetLength: 60, hops: [], connectError: 'ENETUNREACH' });
    expect(out.exitCode).toBe(1);
    // What the conformance suite captured from the real tool (stdout, then stderr).
    expect(stdoutText(out)).toBe('traceroute to 203.0.113.5 (203.0.113.5), 30 hops max, 60 byte packets');
    expect(out.stderr.map((l) => `${l}\n`).join('')).toBe('\nconnect: Network is unreachable\n');
  });
});

describe('-W, -i and -w as the real tools read them (measured in a namespace)', () => {
  it("ping: a garbage -W is a warning and reads the leading number (iputils 20221126's ping_strtod)", () => {
    const out = run(['ping', '-c', '1', '-W', '1abc', '10.244.1.1']);
    expect(out.stderr).toEqual(['ping: option argument contains garbage: abc', 'ping: this will become fatal error in the future']);
    expect(out.exitCode).toBe(0);
  });

  it('traceroute: a -w that is no number is refused with its position', () => {
    expect(run(['traceroute', '-n', '-w', 'abc', '10.244.2.2'])).toEqual({
      stdout: [],
      stderr: ["Cannot handle `-w' option with arg `abc' (argc 3)"],
      exitCode: 2,
    });
  });
});

describe('a route that refuses locally, as this kernel answered ping and traceroute (iputils, traceroute 2.1.2)', () => {
  // ip route add blackhole|unreachable|prohibit 10.9.9.x in a namespace of our own, then ping -c 1 and traceroute -n.
  // labMisc has the three route types (10.244.96.0/26 blackhole, 10.99.0.0/16 unreachable, 10.98.0.0/16 prohibit).
  const REAL: Record<string, { dst: string; ping: string; traceroute: string }> = {
    blackhole: { dst: '10.244.96.5', ping: 'ping: connect: Invalid argument', traceroute: 'connect: Invalid argument' },
    unreachable: { dst: '10.99.0.5', ping: 'ping: connect: No route to host', traceroute: 'connect: No route to host' },
    prohibit: {
      dst: '10.98.0.5',
      ping: 'ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules',
      traceroute: 'connect: Permission denied',
    },
  };
  const misc = labMisc();
  const exec = (argv: string[]) => runEmulated(misc, argv, { dataplane: lab.dataplane, routeGet });
  for (const [type, real] of Object.entries(REAL)) {
    it(type, () => {
      const ping = exec(['ping', '-c', '1', real.dst]);
      expect({ stderr: ping.stderr, exitCode: ping.exitCode }).toEqual({ stderr: [real.ping], exitCode: 2 });
      const traceroute = exec(['traceroute', '-n', real.dst]);
      expect(stdoutText(traceroute)).toBe(`traceroute to ${real.dst} (${real.dst}), 30 hops max, 60 byte packets`);
      expect(traceroute.stderr).toEqual(['', real.traceroute]);
      expect(traceroute.exitCode).toBe(1);
    });
  }
});

describe('arguments that would make the work unbounded or wrong (checked against iputils 20221126 and traceroute 2.1.2)', () => {
  it.each([
    [['ping', '-c', '0', '10.244.2.2'], ["ping: invalid argument: '0': out of range: 1 <= value <= 9223372036854775807"], 1],
    [['ping', '-c', '-0', '10.244.2.2'], ["ping: invalid argument: '-0': out of range: 1 <= value <= 9223372036854775807"], 1],
    [['ping', '-c', '2x', '10.244.2.2'], ["ping: invalid argument: '2x'"], 1],
    [['ping', '-c', '1e3', '10.244.2.2'], ["ping: invalid argument: '1e3'"], 1],
    [
      ['ping', '-c', '99999999999999999999', '10.244.2.2'],
      ["ping: invalid argument: '99999999999999999999': Numerical result out of range"],
      1,
    ],
    [['ping', '-t', '256', '10.244.2.2'], ["ping: invalid argument: '256': out of range: 0 <= value <= 255"], 1],
    [['ping', '-t', '0', '10.244.2.2'], ['ping: cannot set unicast time-to-live: Invalid argument'], 2],
    [['traceroute', '-m', '300', '10.244.2.2'], ['max hops cannot be more than 255'], 2],
    [['traceroute', '-m', '-1', '10.244.2.2'], ['max hops cannot be more than 255'], 2],
    [['traceroute', '-m', '0', '10.244.2.2'], ['first hop out of range'], 2],
    [['traceroute', '-n', '-m', '1.5', '10.244.2.2'], ["Cannot handle `-m' option with arg `1.5' (argc 3)"], 2],
    [['traceroute', '-q', 'abc', '10.244.2.2'], ["Cannot handle `-q' option with arg `abc' (argc 2)"], 2],
  ])('%j is refused as the real tool refuses it', (argv, stderr, exitCode) => {
    expect(run(argv)).toEqual({ stdout: [], stderr, exitCode });
  });

  it("ping -c beyond netlab's limit is refused in ping's words, saying the limit is netlab's (real ping would run for 317 years)", () => {
    expect(run(['ping', '-c', '9999999999', '10.244.2.2'])).toEqual({
      stdout: [],
      stderr: [
        "ping: invalid argument: '9999999999': out of range: 1 <= value <= 10000",
        'netlab: an emulated ping sends at most 10000 requests (real ping takes up to 9223372036854775807)',
      ],
      exitCode: 1,
    });
    expect(run(['ping', '-c', '+2', '10.244.1.1']).stdout.find((l) => l.includes('packets transmitted'))).toMatch(
      /^2 packets transmitted, 2 received/,
    );
  });
});
