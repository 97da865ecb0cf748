import { describe, expect, it } from 'vitest';
import { parseRestore, parseRuleArgs, RestoreParseError, splitArgs } from '../../src/kernel/netfilter/parse-restore.js';
import { ruleSaveArgs } from '../../src/render/iptables-rule.js';

const save = (args: string): string => ruleSaveArgs(parseRuleArgs(splitArgs(args)));

describe('iptables-restore input', () => {
  it('splits arguments as iptables-restore does', () => {
    expect(splitArgs('-m comment --comment "a \\"b\\" c" -j X')).toEqual(['-m', 'comment', '--comment', 'a "b" c', '-j', 'X']);
  });

  it("reads kube-proxy's spelling back in iptables-save's", () => {
    expect(
      save('-m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ'),
    ).toBe('! -s 10.0.0.0/8 -d 172.30.0.41/32 -p tcp -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ');
    expect(save('-j MARK --xor-mark 0x004000')).toBe('-j MARK --set-xmark 0x4000/0x0');
    expect(save('-j MARK --or-mark 0x004000')).toBe('-j MARK --set-xmark 0x4000/0x4000');
    expect(save('-m comment --comment x -m statistic --mode random --probability 0.3333333333 -j Y')).toBe(
      '-m comment --comment x -m statistic --mode random --probability 0.33333333349 -j Y',
    );
    expect(save('-p udp --dport 53 -j REJECT')).toBe('-p udp -m udp --dport 53 -j REJECT --reject-with icmp-port-unreachable');
  });

  it('keeps tables, chains and -X lines, and refuses what it does not know', () => {
    const [nat] = parseRestore('*nat\n:A - [0:0]\n-A A -j RETURN\n-X B\nCOMMIT\n');
    expect([nat!.name, nat!.chains.map((c) => c.name), nat!.deleted]).toEqual(['nat', ['A'], ['B']]);
    expect(() => parseRestore('*nat\n:A - [0:0]\n-A A -m foo --bar 1 -j RETURN\nCOMMIT\n')).toThrow(RestoreParseError);
    expect(() => parseRestore('*nat\n-A A -j RETURN\n')).toThrow(/line 2: chain A was not declared/);
  });
});
