/**
 * A TUN device exists (with carrier) only while a process holds it open, as
 * flanneld holds flannel0. The exported script starts this perl program in
 * the node's namespace in its place: it creates the device with TUNSETIFF
 * and keeps the fd. For flannel's udp backend it also does flanneld's user
 * space work, as flannel's backend/udp/proxy_amd64.c does it: a packet read
 * from the TUN goes to the UDP socket of the node whose lease holds its
 * destination (net unreachable back into the TUN when no lease does, never
 * about ICMP), a datagram received on the port is written to the TUN, and
 * the inner TTL is decremented (and the packet dropped at 0) on both sides.
 * perl is on every Debian-like system (perl-base is essential).
 */

/** The program text; argv: DEV FLAGS PORT TUN_IP BUFLEN [NET/LEN=NODEIP ...] (PORT 0: only hold the device). */
export const TUN_HOLDER_PERL: readonly string[] = [
  'use strict; use warnings; use Socket;',
  'my ($dev, $mode, $port, $tunip, $buflen, @routes) = @ARGV;',
  "# TUNSETIFF = _IOW('T', 202, int); struct ifreq is 40 bytes: name[16], short flags.",
  'my %bit = (tun => 0x0001, tap => 0x0002, no_pi => 0x1000, vnet_hdr => 0x4000);',
  'my $flags = 0; $flags |= $bit{$_} // die "unknown tun flag $_\\n" for split /,/, $mode;',
  "open(my $tun, '+<', '/dev/net/tun') or die \"open /dev/net/tun: $!\\n\";",
  'ioctl($tun, 0x400454ca, pack(\'Z16 s x22\', $dev, $flags)) or die "TUNSETIFF $dev: $!\\n";',
  '$SIG{TERM} = $SIG{INT} = $SIG{HUP} = sub { exit 0 };',
  'if (!$port) { sleep 3600 while 1; }',
  'socket(my $udp, PF_INET, SOCK_DGRAM, 0) or die "socket: $!\\n";',
  'bind($udp, pack_sockaddr_in($port, INADDR_ANY)) or die "bind udp/$port: $!\\n";',
  'my @rt;',
  'for (@routes) {',
  '  my ($net, $len, $host) = m{^([\\d.]+)/(\\d+)=([\\d.]+)$} or die "bad route $_\\n";',
  '  my $mask = $len ? (0xffffffff << (32 - $len)) & 0xffffffff : 0;',
  "  push @rt, [unpack('N', inet_aton($net)) & $mask, $mask, pack_sockaddr_in($port, inet_aton($host))];",
  '}',
  'my $self = inet_aton($tunip);',
  'sub cksum {',
  "  my $sum = 0; $sum += $_ for unpack('n*', $_[0] . (length($_[0]) % 2 ? \"\\0\" : ''));",
  '  $sum = ($sum & 0xffff) + ($sum >> 16) while $sum >> 16;',
  '  return ~$sum & 0xffff;',
  '}',
  '# decrement_ttl(): false when the TTL reaches 0 (flanneld drops the packet silently).',
  'sub ttl_down {',
  '  my $ttl = ord(substr($_[0], 8, 1)) - 1;',
  '  return 0 if $ttl <= 0;',
  '  substr($_[0], 8, 1) = chr($ttl);',
  '  my $ihl = (ord(substr($_[0], 0, 1)) & 15) * 4;',
  '  substr($_[0], 10, 2) = "\\0\\0";',
  "  substr($_[0], 10, 2) = pack('n', cksum(substr($_[0], 0, $ihl)));",
  '  return 1;',
  '}',
  '# send_net_unreachable(): ICMP 3/0 from the TUN address, TTL 8, never about ICMP or a later fragment.',
  'sub net_unreachable {',
  '  my ($pkt) = @_;',
  '  my $ihl = (ord(substr($pkt, 0, 1)) & 15) * 4;',
  "  return if ord(substr($pkt, 9, 1)) == 1 || (unpack('n', substr($pkt, 6, 2)) & 0x1fff);",
  "  my $icmp = pack('C C n N', 3, 0, 0, 0) . substr($pkt, 0, $ihl + 8);",
  "  substr($icmp, 2, 2) = pack('n', cksum($icmp));",
  "  my $ip = pack('C C n n n C C n a4 a4', 0x45, 0, 20 + length($icmp), 0, 0, 8, 1, 0, $self, substr($pkt, 12, 4));",
  "  substr($ip, 10, 2) = pack('n', cksum($ip));",
  '  syswrite($tun, $ip . $icmp);',
  '}',
  "my $rin = ''; vec($rin, fileno($tun), 1) = 1; vec($rin, fileno($udp), 1) = 1;",
  'while (1) {',
  '  next unless select(my $rout = $rin, undef, undef, undef) > 0;',
  '  my $pkt;',
  '  if (vec($rout, fileno($tun), 1) && defined(sysread($tun, $pkt, $buflen)) && length($pkt) >= 20) {',
  "    my $dst = unpack('N', substr($pkt, 16, 4));",
  '    my ($r) = grep { ($dst & $_->[1]) == $_->[0] } @rt;',
  '    if (!$r) { net_unreachable($pkt) } elsif (ttl_down($pkt)) { send($udp, $pkt, 0, $r->[2]) }',
  '  }',
  '  if (vec($rout, fileno($udp), 1) && defined(recv($udp, $pkt, $buflen, 0)) && length($pkt) >= 20) {',
  '    syswrite($tun, $pkt) if ttl_down($pkt);',
  '  }',
  '}',
];
