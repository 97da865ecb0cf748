/**
 * The emulated command line: abbreviations, argument forms, the real tools'
 * error texts and exit codes (each checked against the real tool on the
 * profile machine), and the "not emulated" answer.
 */
import { describe, expect, it } from 'vitest';
import { runEmulated } from '../../src/exec/run.js';
import { SUPPORTED_COMMANDS } from '../../src/exec/commands.js';
import type { ExecContext } from '../../src/exec/types.js';
import type { RouteGetQuery, RouteGetResult } from '../../src/dataplane/route-get.js';
import { toText } from '../../src/render/types.js';
import { ip, labMisc, labNode } from '../render/fixtures.js';

const node = labNode();

function run(command: string, ctx?: ExecContext) {
  const result = runEmulated(node, command.split(' '), ctx);
  return { out: toText(result.stdout), err: result.stderr, code: result.exitCode };
}

describe('iproute2 abbreviations', () => {
  it.each([
    ['ip r', 'ip route show'],
    ['ip ro sh', 'ip route show'],
    ['ip route list', 'ip route'],
    ['ip route lst table main', 'ip route'],
    ['ip a', 'ip address show'],
    ['ip addr s', 'ip addr'],
    ['ip -4 a', 'ip -4 address'],
    ['ip --4 a', 'ip -4 address'],
    ['ip l', 'ip link'],
    ['ip link show dev eth0', 'ip l sh eth0'],
    ['ip -det l sh cni0', 'ip -d link show cni0'],
    ['ip -s l', 'ip -stats link'],
    ['ip -br a', 'ip -brief address'],
    ['ip n', 'ip neigh show'],
    ['ip neighbour', 'ip neigh'],
    ['ip ru', 'ip rule show'],
    ['ip m', 'ip maddr show'],
    ['ip r s t local', 'ip route show table local'],
    ['/usr/sbin/ip route', 'ip route'],
    ['sudo ip route', 'ip route'],
  ])('%s = %s', (short, long) => {
    const a = run(short);
    const b = run(long);
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    expect(a.out.length).toBeGreaterThan(0);
  });

  it('ip link s is "set", as in iproute2 (set is matched before show)', () => {
    expect(run('ip link s').code).toBe(2);
  });
});

describe('filters', () => {
  it('ip route show dev X drops "dev X"; exact, root and match prefixes', () => {
    expect(run('ip route show dev cni0').out).toBe('10.244.1.0/24 proto kernel scope link src 10.244.1.1 \n');
    expect(run('ip route show 10.244.2.0/24').out).toBe('10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink \n');
    expect(run('ip route show root 10.244.0.0/16').out).toBe(
      '10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1 \n10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink \n',
    );
    expect(run('ip route show match 10.244.2.7').out).toBe(
      'default via 10.234.2.254 dev eth0 \n10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink \n',
    );
    expect(run('ip route show proto kernel').out).toBe(
      '10.234.2.0/24 dev eth0 scope link src 10.234.2.11 \n10.244.1.0/24 dev cni0 scope link src 10.244.1.1 \n',
    );
  });

  it('ip link show master / type / up', () => {
    expect(run('ip -br link show master cni0').out).toBe(
      'veth1a2b3c4d@if2 UP             2a:33:44:01:01:02 <BROADCAST,MULTICAST,UP,LOWER_UP> \nveth5e6f7a8b@if2 UP             2a:33:44:01:01:03 <BROADCAST,MULTICAST,UP,LOWER_UP> \n',
    );
    expect(run('ip -br link show type vxlan').out).toBe(
      'flannel.1        UNKNOWN        6a:1f:3c:00:00:01 <BROADCAST,MULTICAST,UP,LOWER_UP> \n',
    );
    expect(run('ip -br link show type bridge_slave').out.split('\n')).toHaveLength(3);
    const misc = runEmulated(labMisc(), ['ip', '-br', 'link', 'show', 'up']);
    expect(toText(misc.stdout)).not.toMatch(/^vethd2/m);
  });

  it('bridge answers -V (any abbreviation of -Version) and no other option', () => {
    for (const c of ['bridge -V', 'bridge -Ver', 'bridge --Version'])
      expect(run(c)).toEqual({ out: 'bridge utility, 6.1.0\n', err: [], code: 0 });
    expect(run('bridge -s fdb').code).toBe(2);
    expect(run('bridge -s fdb').err[0]).toBe('netlab: "bridge -s fdb" is not emulated (option -s).');
  });

  it('bridge fdb show br cni0 keeps the dev column', () => {
    const out = run('bridge fdb show br cni0').out;
    expect(out.startsWith('33:33:00:00:00:01 dev cni0 self permanent\n')).toBe(true);
    expect(out).not.toContain('flannel.1');
    expect(out).not.toContain('dev eth0');
  });

  it('iptables combined short options and the chain right after -L', () => {
    expect(run('iptables -nvL FORWARD').out).toBe(run('iptables -L FORWARD -n -v').out);
    expect(run('iptables -t nat -nL KUBE-SEP-ABC').out).toBe(
      [
        'Chain KUBE-SEP-ABC (2 references)',
        'target     prot opt source               destination         ',
        'KUBE-MARK-MASQ  0    --  10.244.1.2           0.0.0.0/0            /* default/web:http */',
        'DNAT       6    --  0.0.0.0/0            0.0.0.0/0            /* default/web:http */ tcp to:10.244.1.2:80',
        '',
      ].join('\n'),
    );
    expect(run('iptables -tnat -S KUBE-SEP-ABC').out.split('\n')[0]).toBe('-N KUBE-SEP-ABC');
    expect(run('iptables-save -t nat').out).toBe(run('iptables-save --table=nat').out);
  });
});

describe('errors as the real tools print them', () => {
  it.each([
    ['ip link show dev nosuch', 1, ['Device "nosuch" does not exist.']],
    ['ip addr show dev nosuch', 1, ['Device "nosuch" does not exist.']],
    ['ip route show dev nosuch', 1, ['Cannot find device "nosuch"']],
    ['ip neigh show dev nosuch', 1, ['Cannot find device "nosuch"']],
    ['ip foo', 1, ['Object "foo" is unknown, try "ip help".']],
    ['ip link foo', 255, ['Command "foo" is unknown, try "ip link help".']],
    ['ip route show table nosuch', 255, ['Error: argument "nosuch" is wrong: table id value is invalid', '']],
    ['ip -x link', 255, ['Option "-x" is unknown, try "ip -help".']],
    ['ip route get', 1, ['need at least a destination address']],
    ['ip route get 10.0.0.x', 1, ['Error: any valid prefix is expected rather than "10.0.0.x".']],
    ['ethtool -S nosuch', 96, ['Cannot get stats strings information: No such device']],
    ['ethtool -i nosuch', 71, ['Cannot get driver information: No such device']],
    ['ethtool -i lo', 71, ['Cannot get driver information: Operation not supported']],
    ['ethtool -S lo', 94, ['no stats available']],
    ['ethtool -S cni0', 94, ['no stats available']],
    ['brctl show nosuch', 1, ['bridge nosuch does not exist!']],
    ['brctl show eth0', 1, ['device eth0 is not a bridge!']],
    ['brctl showmacs nosuch', 1, ['read of forward table failed: No such device']],
    ['brctl showmacs eth0', 1, ['read of forward table failed: Operation not supported']],
    ['ifconfig nosuch', 1, ['nosuch: error fetching interface information: Device not found']],
    ['iptables', 2, ['iptables v1.8.9 (nf_tables): no command specified', "Try `iptables -h' or 'iptables --help' for more information."]],
    ['iptables -L NOSUCH -n', 1, ["iptables v1.8.9 (nf_tables): chain `NOSUCH' in table `filter' is incompatible, use 'nft' tool."]],
    ['iptables -S NOSUCH', 1, ["iptables v1.8.9 (nf_tables): chain `NOSUCH' in table `filter' is incompatible, use 'nft' tool."]],
    [
      'iptables -t bogus -L -n',
      3,
      ["iptables v1.8.9 (nf_tables): table 'bogus' does not exist", 'Perhaps iptables or your kernel needs to be upgraded.'],
    ],
    ['iptables -L -n -v FORWARD', 2, ["Bad argument `FORWARD'", "Try `iptables -h' or 'iptables --help' for more information."]],
    ['iptables-save -t bogus', 1, ["Table `bogus' does not exist"]],
    ['cat /nosuch', 1, ['cat: /nosuch: No such file or directory']],
    ['sysctl net.ipv4.nosuch', 1, ['sysctl: cannot stat /proc/sys/net/ipv4/nosuch: No such file or directory']],
  ])('%s', (command, code, stderr) => {
    const r = run(command);
    expect(r.err).toEqual(stderr);
    expect(r.code).toBe(code);
  });

  it('ethtool on a missing device prints netlink errors and "No data available"', () => {
    const r = run('ethtool nosuch');
    expect(r.code).toBe(75);
    expect(r.out).toBe('No data available\n');
    expect(r.err).toHaveLength(10);
  });
});

describe('not emulated', () => {
  it.each([
    'tcpdump -ni eth0',
    'ip link set eth0 down',
    'ip -j addr',
    'ip -c addr',
    'iptables -A INPUT -j DROP',
    'route',
    'ip xfrm state',
    'nft add table ip x',
    '',
    'toString',
    'constructor',
    '__proto__',
  ])('"%s" exits 2 and lists what is emulated', (command) => {
    const r = run(command);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err[0]).toMatch(/^netlab: ".*" is not emulated/);
    expect(r.err).toContain('Emulated commands:');
    expect(r.err).toHaveLength(2 + SUPPORTED_COMMANDS.length);
  });

  it('ip route get needs the injected lookup', () => {
    expect(run('ip route get 10.244.2.2').code).toBe(2);
  });
});

describe('ip route get through the injected lookup (formats from the real tool)', () => {
  const answers: Record<string, RouteGetResult> = {
    '10.244.2.2': {
      kind: 'route',
      dst: ip('10.244.2.2'),
      type: 'unicast',
      gateway: ip('10.244.2.0'),
      dev: 'flannel.1',
      src: ip('10.244.1.0'),
    },
    '10.244.1.255': {
      kind: 'route',
      dst: ip('10.244.1.255'),
      type: 'broadcast',
      dev: 'cni0',
      src: ip('10.244.1.1'),
      cacheFlags: ['local', 'brd'],
    },
    '10.244.1.3': {
      kind: 'route',
      dst: ip('10.244.1.3'),
      type: 'unicast',
      from: ip('10.244.1.2'),
      dev: 'cni0',
      iif: 'cni0',
      cacheFlags: ['redirect'],
    },
    '10.244.1.1': {
      kind: 'route',
      dst: ip('10.244.1.1'),
      type: 'local',
      from: ip('10.244.1.2'),
      dev: 'lo',
      iif: 'cni0',
      cacheFlags: ['local'],
    },
  };
  const queries: RouteGetQuery[] = [];
  const ctx: ExecContext = {
    routeGet: (_ns, query) => {
      queries.push(query);
      if (query.dst === ip('10.99.1.1')) return { kind: 'error', errno: 'EHOSTUNREACH' };
      const key = Object.keys(answers).find((k) => ip(k) === query.dst)!;
      const answer = answers[key]!;
      return query.mark !== undefined ? { ...answer, mark: query.mark } : answer;
    },
  };

  it('renders what the lookup answers, passing from/iif/mark through', () => {
    expect(run('ip route get 10.244.2.2', ctx).out).toBe('10.244.2.2 via 10.244.2.0 dev flannel.1 src 10.244.1.0 uid 0 \n    cache \n');
    expect(run('ip route get 10.244.2.2 mark 0x10', ctx).out).toBe(
      '10.244.2.2 via 10.244.2.0 dev flannel.1 src 10.244.1.0 mark 0x10 uid 0 \n    cache \n',
    );
    expect(queries.at(-1)).toEqual({ dst: ip('10.244.2.2'), mark: 16 });
    expect(run('ip route get 10.244.1.255', ctx).out).toBe(
      'broadcast 10.244.1.255 dev cni0 src 10.244.1.1 uid 0 \n    cache <local,brd> \n',
    );
    expect(run('ip route get 10.244.1.3 from 10.244.1.2 iif cni0', ctx).out).toBe(
      '10.244.1.3 from 10.244.1.2 dev cni0 \n    cache <redirect> iif cni0 \n',
    );
    expect(queries.at(-1)).toEqual({ dst: ip('10.244.1.3'), from: ip('10.244.1.2'), iif: 'cni0' });
    expect(run('ip route get 10.244.1.1 from 10.244.1.2 iif cni0', ctx).out).toBe(
      'local 10.244.1.1 from 10.244.1.2 dev lo \n    cache <local> iif cni0 \n',
    );
    expect(run('ip route get 10.99.1.1', ctx)).toEqual({ out: '', err: ['RTNETLINK answers: No route to host'], code: 2 });
    expect(run('ip route get 10.244.2.2 iif nosuch', ctx)).toEqual({ out: '', err: ['Cannot find device "nosuch"'], code: 1 });
  });
});

describe('files, hostname, sysctl', () => {
  it('cat reads what components wrote and /proc/sys', () => {
    expect(run('cat /run/flannel/subnet.env').out).toBe(
      'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n',
    );
    expect(run('cat /proc/sys/net/ipv4/ip_forward').out).toBe('1\n');
    const both = run('cat /etc/hostname /nosuch');
    expect(both).toEqual({ out: 'node-01\n', err: ['cat: /nosuch: No such file or directory'], code: 1 });
  });

  it('hostname and sysctl', () => {
    expect(run('hostname').out).toBe('node-01\n');
    expect(run('sysctl net.ipv4.ip_forward net/ipv4/ip_forward').out).toBe('net.ipv4.ip_forward = 1\nnet.ipv4.ip_forward = 1\n');
    expect(run('sysctl -n net.ipv4.ip_forward').out).toBe('1\n');
    expect(run('sysctl -a').out).toBe('net.bridge.bridge-nf-call-iptables = 1\nnet.ipv4.ip_forward = 1\n');
    expect(run('sysctl -w net.ipv4.ip_forward=0').code).toBe(2);
  });
});

describe('streaming', () => {
  it('stdout is lazy: nothing is rendered until iterated', () => {
    const r = runEmulated(node, ['iptables-save']);
    const it = r.stdout[Symbol.iterator]();
    expect(it.next().value).toMatch(/^# Generated by iptables-save/);
  });
});

describe('an iproute2 subcommand other than show says why it is not emulated', () => {
  const why = (command: string) => run(command).err[0]!.replace(/^netlab: ".*" is not emulated \((.*)\)\.$/, '$1');
  const CHANGES = 'it would change the state; edit the topology or use --set instead';

  it('help: its help text', () => {
    for (const c of [
      'ip addr help',
      'ip link help',
      'ip route help',
      'ip rule help',
      'ip neigh help',
      'ip maddr help',
      'bridge fdb help',
      'bridge link help',
    ]) {
      expect(why(c), c).toBe('help text');
    }
  });

  it('a query that only reads: named', () => {
    expect(why('ip neigh get 10.244.1.2 dev cni0')).toBe('ip neigh get');
    expect(why('bridge fdb get 00:11:22:33:44:55 dev eth0')).toBe('bridge fdb get');
    expect(why('ip rule save')).toBe('ip rule save');
    expect(why('ip route save')).toBe('ip route save');
    expect(why('ip addr save')).toBe('ip address save');
    expect(why('ip link xstats')).toBe('ip link xstats');
  });

  it('anything else: it would change the state', () => {
    for (const c of [
      'ip addr add 10.0.0.1/24 dev eth0',
      'ip rule add from all lookup 100',
      'ip neigh flush all',
      'ip maddr add 01:00:5e:00:00:05 dev eth0',
      'bridge fdb add 00:11:22:33:44:55 dev eth0',
      'bridge link set dev eth0 hairpin on',
    ]) {
      expect(why(c), c).toBe(CHANGES);
    }
  });
});
