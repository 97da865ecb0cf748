/**
 * The real captures quoted in /work/shared/reference/kernel-facts.md
 * (§1.7, §2.2, §5), rendered from kernelfacts-like fixtures. Expected text
 * is copied from the reference; only timers move (masked).
 */
import { describe, expect, it } from 'vitest';
import { runEmulated } from '../../src/exec/run.js';
import { renderRouteGet } from '../../src/render/ip-route-get.js';
import { toText } from '../../src/render/types.js';
import { ip, kfNode } from './fixtures.js';
import { maskTimers } from './masks.js';

const node = kfNode();
const run = (command: string) => {
  const result = runEmulated(node, command.split(' '));
  expect(result.stderr).toEqual([]);
  expect(result.exitCode).toBe(0);
  return toText(result.stdout);
};

describe('kernel-facts §1.7: the host side of a pod', () => {
  it('ip -d link show veth3f2a9c1d', () => {
    expect(run('ip -d link show veth3f2a9c1d')).toBe(
      [
        '5: veth3f2a9c1d@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue master cni0 state UP mode DEFAULT group default qlen 1000',
        '    link/ether ba:80:61:06:cc:c5 brd ff:ff:ff:ff:ff:ff link-netns rx-pod1 promiscuity 1  allmulti 1 minmtu 68 maxmtu 65535 ',
        '    veth ',
        '    bridge_slave state forwarding priority 32 cost 2 hairpin on guard off root_block off fastleave off learning on flood on port_id 0x8001 port_no 0x1 designated_port 32769 designated_cost 0 designated_bridge 8000.46:2d:ab:94:2c:e7 designated_root 8000.46:2d:ab:94:2c:e7 hold_timer    0.00 message_age_timer    0.00 forward_delay_timer    0.00 topology_change_ack 0 config_pending 0 proxy_arp off proxy_arp_wifi off mcast_router 1 mcast_fast_leave off mcast_flood on bcast_flood on mcast_to_unicast off neigh_suppress off group_fwd_mask 0 group_fwd_mask_str 0x0 vlan_tunnel off isolated off locked off addrgenmode eui64 numtxqueues 2 numrxqueues 2 gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 ',
        '',
      ].join('\n'),
    );
  });

  it('brctl show (tabs)', () => {
    expect(run('brctl show')).toBe(
      'bridge name\tbridge id\t\tSTP enabled\tinterfaces\ncni0\t\t8000.462dab942ce7\tno\t\tveth3f2a9c1d\n\t\t\t\t\t\t\tveth8b7e0a44\n',
    );
  });

  it('brctl showmacs cni0 (learned ageing masked)', () => {
    const expected = [
      'port no\tmac addr\t\tis local?\tageing timer',
      '  1\t4e:42:14:cb:3b:b6\tno\t\t   9.53',
      '  2\t6a:fd:8f:e4:3e:10\tno\t\t  17.72',
      '  1\tba:80:61:06:cc:c5\tyes\t\t   0.00',
      '  2\tc6:b0:5e:05:61:16\tyes\t\t   0.00',
      '',
    ].join('\n');
    expect(maskTimers(run('brctl showmacs cni0'))).toBe(maskTimers(expected));
  });

  it('bridge fdb show: order, flags and the learned entry trailing space', () => {
    expect(run('bridge fdb show')).toBe(
      [
        '33:33:00:00:00:01 dev eth0 self permanent',
        '01:00:5e:00:00:01 dev eth0 self permanent',
        '33:33:ff:c8:c0:42 dev eth0 self permanent',
        '12:95:af:32:12:57 dev flannel.1 dst 192.168.1.11 self permanent',
        '33:33:00:00:00:01 dev cni0 self permanent',
        '01:00:5e:00:00:6a dev cni0 self permanent',
        '33:33:00:00:00:6a dev cni0 self permanent',
        '01:00:5e:00:00:01 dev cni0 self permanent',
        '33:33:ff:94:2c:e7 dev cni0 self permanent',
        '46:2d:ab:94:2c:e7 dev cni0 master cni0 permanent',
        '4e:42:14:cb:3b:b6 dev veth3f2a9c1d master cni0 ',
        'ba:80:61:06:cc:c5 dev veth3f2a9c1d master cni0 permanent',
        '33:33:00:00:00:01 dev veth3f2a9c1d self permanent',
        '01:00:5e:00:00:01 dev veth3f2a9c1d self permanent',
        '33:33:ff:06:cc:c5 dev veth3f2a9c1d self permanent',
        '6a:fd:8f:e4:3e:10 dev veth8b7e0a44 master cni0 ',
        'c6:b0:5e:05:61:16 dev veth8b7e0a44 master cni0 permanent',
        '33:33:00:00:00:01 dev veth8b7e0a44 self permanent',
        '01:00:5e:00:00:01 dev veth8b7e0a44 self permanent',
        '33:33:ff:05:61:16 dev veth8b7e0a44 self permanent',
        '',
      ].join('\n'),
    );
  });

  it('ethtool -S vethX (kernel 6.18) and the vxlan device', () => {
    expect(run('ethtool -S veth3f2a9c1d')).toBe(
      [
        'NIC statistics:',
        '     peer_ifindex: 2',
        '     rx_queue_0_xdp_packets: 0',
        '     rx_queue_0_xdp_bytes: 0',
        '     rx_queue_0_drops: 0',
        '     rx_queue_0_xdp_redirect: 0',
        '     rx_queue_0_xdp_drops: 0',
        '     rx_queue_0_xdp_tx: 0',
        '     rx_queue_0_xdp_tx_errors: 0',
        '     tx_queue_0_xdp_xmit: 0',
        '     tx_queue_0_xdp_xmit_errors: 0',
        '',
      ].join('\n'),
    );
    const vxlan = runEmulated(node, ['ethtool', '-S', 'flannel.1']);
    expect([...vxlan.stdout]).toEqual([]);
    expect(vxlan.stderr).toEqual(['no stats available']);
    expect(vxlan.exitCode).toBe(94);
  });
});

describe('kernel-facts §2.2: flannel vxlan state', () => {
  it('ip -d link show flannel.1', () => {
    expect(run('ip -d link show flannel.1')).toBe(
      [
        '3: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
        '    link/ether 52:1f:57:62:d4:b2 brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535 ',
        '    vxlan id 1 local 192.168.1.10 dev eth0 srcport 0 0 dstport 8472 nolearning ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 ',
        '',
      ].join('\n'),
    );
  });

  it('ip addr show flannel.1', () => {
    expect(run('ip addr show flannel.1')).toBe(
      [
        '3: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN group default qlen 1000',
        '    link/ether 52:1f:57:62:d4:b2 brd ff:ff:ff:ff:ff:ff',
        '    inet 10.244.0.0/32 scope global flannel.1',
        '       valid_lft forever preferred_lft forever',
        '    inet6 fe80::501f:57ff:fe62:d4b2/64 scope link ',
        '       valid_lft forever preferred_lft forever',
        '',
      ].join('\n'),
    );
  });

  it('ip route, ip neigh, bridge fdb show dev flannel.1, route -n, arp -n', () => {
    expect(run('ip route')).toBe(
      [
        'default via 192.168.1.1 dev eth0 onlink ',
        '10.244.0.0/24 dev cni0 proto kernel scope link src 10.244.0.1 ',
        '10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink ',
        '192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.10 ',
        '',
      ].join('\n'),
    );
    expect(run('ip neigh show dev flannel.1')).toBe('10.244.1.0 lladdr 12:95:af:32:12:57 PERMANENT \n');
    expect(run('ip neigh')).toBe(
      '10.244.1.0 dev flannel.1 lladdr 12:95:af:32:12:57 PERMANENT \n192.168.1.11 dev eth0 lladdr 9e:19:ad:be:72:14 REACHABLE \n10.244.0.2 dev cni0 lladdr 4e:42:14:cb:3b:b6 REACHABLE \n',
    );
    expect(run('bridge fdb show dev flannel.1')).toBe('12:95:af:32:12:57 dst 192.168.1.11 self permanent\n');
    expect(run('route -n')).toBe(
      [
        'Kernel IP routing table',
        'Destination     Gateway         Genmask         Flags Metric Ref    Use Iface',
        '0.0.0.0         192.168.1.1     0.0.0.0         UG    0      0        0 eth0',
        '10.244.0.0      0.0.0.0         255.255.255.0   U     0      0        0 cni0',
        '10.244.1.0      10.244.1.0      255.255.255.0   UG    0      0        0 flannel.1',
        '192.168.1.0     0.0.0.0         255.255.255.0   U     0      0        0 eth0',
        '',
      ].join('\n'),
    );
    expect(run('arp -n')).toBe(
      [
        'Address                  HWtype  HWaddress           Flags Mask            Iface',
        '10.244.1.0               ether   12:95:af:32:12:57   CM                    flannel.1',
        '192.168.1.11             ether   9e:19:ad:be:72:14   C                     eth0',
        '10.244.0.2               ether   4e:42:14:cb:3b:b6   C                     cni0',
        '',
      ].join('\n'),
    );
  });

  it('iptables-save (flannel rules, nf_tables order, the default fixed date)', () => {
    const header = '# Generated by iptables-save v1.8.9 (nf_tables) on Sun Nov 22 07:47:50 2026';
    const footer = '# Completed on Sun Nov 22 07:47:50 2026';
    expect(run('iptables-save')).toBe(
      [
        header,
        '*filter',
        ':INPUT ACCEPT [0:0]',
        ':FORWARD ACCEPT [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        ':FLANNEL-FWD - [0:0]',
        '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
        '-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
        '-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
        'COMMIT',
        footer,
        header,
        '*nat',
        ':PREROUTING ACCEPT [0:0]',
        ':INPUT ACCEPT [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        ':POSTROUTING ACCEPT [0:0]',
        ':FLANNEL-POSTRTG - [0:0]',
        '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
        '-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN',
        '-A FLANNEL-POSTRTG -s 10.244.0.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN',
        '-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.0.0/24 -m comment --comment "flanneld masq" -j RETURN',
        '-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/24 -m comment --comment "flanneld masq" -j RETURN',
        '-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
        '-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
        'COMMIT',
        footer,
        '',
      ].join('\n'),
    );
    const counted = toText(
      runEmulated(node, ['iptables-save', '-c', '-t', 'filter'], { now: new Date(Date.UTC(2026, 0, 5, 3, 4, 5)) }).stdout,
    );
    expect(counted).toContain('# Generated by iptables-save v1.8.9 (nf_tables) on Mon Jan  5 03:04:05 2026\n');
    expect(counted).toContain('\n[0:0] -A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD\n');
  });
});

describe('kernel-facts §5', () => {
  it('§5.2 ip route show table local (kernel ≥ 5.14: no network-address broadcast)', () => {
    expect(run('ip route show table local')).toBe(
      [
        'local 10.244.0.0 dev flannel.1 proto kernel scope host src 10.244.0.0 ',
        'local 10.244.0.1 dev cni0 proto kernel scope host src 10.244.0.1 ',
        'broadcast 10.244.0.255 dev cni0 proto kernel scope link src 10.244.0.1 ',
        'local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 ',
        'local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 ',
        'broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1 ',
        'local 192.168.1.10 dev eth0 proto kernel scope host src 192.168.1.10 ',
        'broadcast 192.168.1.255 dev eth0 proto kernel scope link src 192.168.1.10 ',
        '',
      ].join('\n'),
    );
  });

  it('§5.3 the bridge kind line of ip -d link show cni0', () => {
    const lines = run('ip -d link show cni0').split('\n');
    expect(maskTimers(lines[2]!)).toBe(
      maskTimers(
        '    bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time 30000 stp_state 0 priority 32768 vlan_filtering 0 bridge_id 8000.46:2d:ab:94:2c:e7 designated_root 8000.46:2d:ab:94:2c:e7 root_port 0 root_path_cost 0 topology_change 0 topology_change_detected 0 hello_timer    0.00 tcn_timer    0.00 topology_change_timer    0.00 gc_timer  282.38 group_fwd_mask 0 group_address 01:80:c2:00:00:00 mcast_snooping 1 no_linklocal_learn 0 mcast_vlan_snooping 0 mcast_router 1 mcast_query_use_ifaddr 0 mcast_querier 0 mcast_hash_elasticity 16 mcast_hash_max 4096 mcast_last_member_count 2 mcast_startup_query_count 2 mcast_last_member_interval 100 mcast_membership_interval 26000 mcast_querier_interval 25500 mcast_query_interval 12500 mcast_query_response_interval 1000 mcast_startup_query_interval 3124 mcast_stats_enabled 0 mcast_igmp_version 2 mcast_mld_version 1 nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0 addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 ',
      ),
    );
  });

  it('§5.9 ifconfig cni0 and lo (KiB suffix, the TX line spacing)', () => {
    expect(run('ifconfig cni0')).toBe(
      [
        'cni0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1450',
        '        inet 10.244.0.1  netmask 255.255.255.0  broadcast 10.244.0.255',
        '        inet6 fe80::442d:abff:fe94:2ce7  prefixlen 64  scopeid 0x20<link>',
        '        ether 46:2d:ab:94:2c:e7  txqueuelen 1000  (Ethernet)',
        '        RX packets 77  bytes 4764 (4.6 KiB)',
        '        RX errors 0  dropped 0  overruns 0  frame 0',
        '        TX packets 65  bytes 5850 (5.7 KiB)',
        '        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0',
        '',
        '',
      ].join('\n'),
    );
    expect(run('ifconfig lo').split('\n').slice(0, 4)).toEqual([
      'lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536',
      '        inet 127.0.0.1  netmask 255.0.0.0',
      '        inet6 ::1  prefixlen 128  scopeid 0x10<host>',
      '        loop  txqueuelen 1000  (Local Loopback)',
    ]);
  });

  it('§5.1 ip route get output', () => {
    const text = (r: Parameters<typeof renderRouteGet>[0]) => toText(renderRouteGet(r));
    expect(
      text({ kind: 'route', dst: ip('10.244.1.2'), type: 'unicast', gateway: ip('10.244.1.0'), dev: 'flannel.1', src: ip('10.244.0.0') }),
    ).toBe('10.244.1.2 via 10.244.1.0 dev flannel.1 src 10.244.0.0 uid 0 \n    cache \n');
    expect(text({ kind: 'route', dst: ip('10.0.2.15'), type: 'local', dev: 'lo', src: ip('10.0.2.15'), cacheFlags: ['local'] })).toBe(
      'local 10.0.2.15 dev lo src 10.0.2.15 uid 0 \n    cache <local> \n',
    );
    expect(
      text({
        kind: 'route',
        dst: ip('10.244.1.2'),
        type: 'unicast',
        from: ip('10.244.0.2'),
        gateway: ip('10.244.1.0'),
        dev: 'flannel.1',
        iif: 'cni0',
      }),
    ).toBe('10.244.1.2 from 10.244.0.2 via 10.244.1.0 dev flannel.1 \n    cache iif cni0 \n');
    expect(
      text({
        kind: 'route',
        dst: ip('10.244.1.2'),
        type: 'unicast',
        gateway: ip('10.244.1.0'),
        dev: 'flannel.1',
        src: ip('10.244.0.0'),
        pmtu: { mtu: 1450, expiresSec: 595 },
      }),
    ).toBe('10.244.1.2 via 10.244.1.0 dev flannel.1 src 10.244.0.0 uid 0 \n    cache expires 595sec mtu 1450 \n');
  });
});
