/**
 * JSON output: the core keeps IPv4 addresses as uint32; people and scripts
 * want dotted quads. Fields that hold an address are converted by name.
 */
import { formatIPv4 } from '../net/ipv4.js';

const ADDRESS_KEYS = new Set([
  'src',
  'dst',
  'ip',
  'gateway',
  'prefsrc',
  'from',
  'local',
  'addr',
  'broadcast',
  'remote',
  'peer',
  'to',
  'endpoint',
]);

export function jsonReplacer(key: string, value: unknown): unknown {
  if (typeof value === 'number' && ADDRESS_KEYS.has(key) && Number.isInteger(value) && value >= 0 && value <= 0xffffffff)
    return formatIPv4(value);
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}
