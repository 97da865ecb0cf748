/**
 * Which strings can name a Linux network device. The kernel's rule is
 * dev_valid_name() (net/core/dev.c), applied to the name's bytes: 1 to
 * IFNAMSIZ - 1 = 15 bytes, not `.` or `..`, and no byte that is `/`, `:` or
 * a space by the kernel's own ctype table (lib/ctype.c: tab, newline,
 * vertical tab, form feed, carriage return, space, and 0xa0, the Latin-1
 * no-break space, which is also a continuation byte of many UTF-8
 * characters: `à` is c3 a0). Names are UTF-8 here, as iproute2 passes them.
 *
 * Beyond dev_valid_name, on this kernel (checked with `ip link add`):
 * `all` and `default` are refused (they are the per-protocol settings
 * directories of /proc/sys/net/ipv4/conf), and a `%` makes the name a
 * template the kernel fills in (`x%d` becomes `x0`), so the device would
 * not get the name asked for.
 *
 * And one from the tools that program rules naming devices: iptables-restore
 * (kube-proxy, Calico's Felix, the exported script) reads `"` as a quote, so a
 * rule `-i a"b` cannot be restored; every other character stays literal.
 *
 * netlab adds rules of its own: no control characters (C0, DEL, C1 such as
 * NEL U+0085), no Unicode spaces (U+2028, U+3000, ...) and no lone UTF-16
 * surrogates. The kernel accepts most of them, but every tool prints them
 * raw, where they would move the cursor, end a line or hide in a column,
 * and a lone surrogate has no UTF-8 form.
 */

/** The rule in a sentence, for hints. */
export const INTERFACE_NAME_RULE = `a Linux interface name has 1 to 15 bytes (UTF-8), without '/', ':', '%', '"', spaces or control characters, and is not '.', '..', 'all' or 'default'`;

/** The longest interface name, in bytes (IFNAMSIZ - 1). */
export const IFNAME_MAX_BYTES = 15;

/** Bytes the kernel's isspace() matches (lib/ctype.c: `_S`). */
const KERNEL_SPACE_BYTES = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0]);

/** A UTF-16 surrogate not part of a pair (no UTF-8 form). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const NAMED_BYTES: Readonly<Record<number, string>> = {
  0x09: 'a tab',
  0x0a: 'a newline',
  0x0b: 'a vertical tab',
  0x0c: 'a form feed',
  0x0d: 'a carriage return',
  0x20: 'a space',
};

/** Why the kernel (or netlab) would refuse `name` as a device name; undefined when it is a valid one. */
export function interfaceNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (LONE_SURROGATE.test(name)) return 'it is not valid Unicode (a lone surrogate)';
  // eslint-disable-next-line no-control-regex -- the kernel refuses these characters in a name
  const control = /[\u0000-\u001f\u007f-\u009f]/u.exec(name);
  if (control) return `it contains the control character ${codePoint(control[0])}`;
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > IFNAME_MAX_BYTES) return `it is ${bytes} bytes long in UTF-8 (at most ${IFNAME_MAX_BYTES})`;
  if (name === '.' || name === '..') return `'${name}' is reserved`;
  if (name === 'all' || name === 'default') return `'${name}' is reserved (the kernel's /proc/sys/net/ipv4/conf/${name})`;
  for (const ch of name) {
    if (ch === '/' || ch === ':') return `'${ch}' is not allowed`;
    if (ch === '%') return "'%' is not allowed (the kernel reads it as a name template: x%d becomes x0)";
    if (ch === '"')
      return `'"' is not allowed (iptables-restore, which kube-proxy and Calico program their rules with, reads it as a quote)`;
    const encoded = Buffer.from(ch, 'utf8');
    if (encoded.length === 1 && KERNEL_SPACE_BYTES.has(encoded[0]!)) return `${NAMED_BYTES[encoded[0]!]} is not allowed`;
    if (encoded.includes(0xa0))
      return `'${ch}' (${codePoint(ch)}) is not allowed: its UTF-8 form holds the byte 0xa0, which the kernel counts as a space`;
    if (/\s/u.test(ch)) return `the space character ${codePoint(ch)} is not allowed`;
  }
  return undefined;
}

function codePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

// eslint-disable-next-line no-control-regex -- the control characters are among those to escape
const TO_ESCAPE = /[\\'\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A name as a message quotes it: between single quotes, with control
 * characters, backslashes, quotes and lone surrogates escaped (`\n`,
 * `\u0085`), so a hostile name cannot break a line of a diagnostic.
 */
export function printableName(name: string): string {
  const escaped = name.replace(TO_ESCAPE, (ch) => {
    const named: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return `'${escaped}'`;
}
