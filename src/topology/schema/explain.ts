/**
 * Why a string does not match one of the schema's formats (names, addresses,
 * labels), in words, with a corrected value as the hint where one is obvious.
 * A regex failure tells only "does not match"; people need "300 is more than
 * 255" or "uppercase letters are not allowed: did you mean 'node-1'?".
 *
 * Used for schema pattern errors and for names the compact forms generate.
 */
import { Code } from '../codes.js';
import { INTERFACE_NAME_RULE, interfaceNameProblem, printableName } from '../../net/ifname.js';
import { definitionPattern } from './schema-index.js';

export interface Explanation {
  readonly code: Code;
  readonly message: string;
  readonly hint?: string;
}

/** The schema $defs with a pattern, each explained below. */
export type FormatRule =
  | 'dnsLabel'
  | 'dns1035Label'
  | 'dnsSubdomain'
  | 'portName'
  | 'portNumberOrName'
  | 'ipv4Address'
  | 'ipv4Cidr'
  | 'clusterIP'
  | 'macAddress'
  | 'interfaceName'
  | 'labelKey'
  | 'labelValue'
  | 'labelValueTemplate'
  | 'namePattern';

const compiled = new Map<string, RegExp>();

/** Whether `value` matches the schema definition `rule` (the very pattern ajv uses). */
export function matchesFormat(rule: FormatRule, value: string): boolean {
  let pattern = compiled.get(rule);
  if (pattern === undefined) {
    pattern = definitionPattern(rule);
    compiled.set(rule, pattern);
  }
  return pattern.test(value);
}

export function explainFormat(rule: string, value: string): Explanation {
  switch (rule) {
    case 'dnsLabel':
      return explainName(value, { max: 63, dots: false, letterFirst: false, what: 'an RFC 1123 label' });
    case 'dns1035Label':
      return explainName(value, { max: 63, dots: false, letterFirst: true, what: 'an RFC 1035 label' });
    case 'dnsSubdomain':
      return explainName(value, { max: 253, dots: true, letterFirst: false, what: 'an RFC 1123 subdomain' });
    case 'portName':
    case 'portNumberOrName':
      return {
        code: Code.PortNameInvalid,
        message: `invalid port name '${value}': ${portNameProblem(value)}`,
        hint: 'port names have at most 15 lowercase letters, digits and single dashes, with at least one letter',
      };
    case 'ipv4Address':
      return explainAddress(value);
    case 'clusterIP':
      if (value.toLowerCase() === 'none')
        return { code: Code.IpInvalid, message: `invalid cluster IP '${value}'`, hint: "did you mean 'None'? (headless service)" };
      return {
        ...explainAddress(value),
        message: `invalid cluster IP '${value}': ${addressProblem(value)}`,
        hint: "use an address inside network.serviceCIDR, or 'None' for a headless service",
      };
    case 'ipv4Cidr':
      return explainCidr(value);
    case 'macAddress':
      return explainMac(value);
    case 'interfaceName':
      return {
        code: Code.InterfaceNameInvalid,
        message: `invalid interface name ${printableName(value)}: ${interfaceNameProblem(value) ?? 'it is not a valid interface name'}`,
        hint: INTERFACE_NAME_RULE,
      };
    case 'labelKey':
      return {
        code: Code.LabelInvalid,
        message: `invalid label key '${value}': ${labelKeyProblem(value)}`,
        hint: "a label key is an optional DNS prefix and '/', then up to 63 letters, digits, '-', '_' and '.'",
      };
    case 'labelValue':
      return {
        code: Code.LabelInvalid,
        message: `invalid label value '${value}': ${labelValueProblem(value)}`,
        hint: "a label value has up to 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
      };
    case 'labelValueTemplate':
      return {
        code: Code.LabelInvalid,
        message: `invalid label value '${value}': only letters, digits, '-', '_', '.' and {index} or {index:0N} are allowed`,
        ...templateHint(value),
      };
    case 'namePattern':
      return explainNamePattern(value);
    default:
      return { code: Code.SchemaPattern, message: `'${value}' does not have the expected format` };
  }
}

interface NameRule {
  readonly max: number;
  readonly dots: boolean;
  readonly letterFirst: boolean;
  readonly what: string;
}

function explainName(value: string, rule: NameRule): Explanation {
  const allowed = rule.dots ? "lowercase letters, digits, '-' and '.'" : "lowercase letters, digits and '-'";
  const suggestion = sanitizeName(value, rule);
  const hint =
    suggestion !== undefined && suggestion !== value
      ? `did you mean '${suggestion}'? (a name is ${rule.what}: ${allowed})`
      : `a name is ${rule.what}: ${allowed}, starting ${rule.letterFirst ? 'with a letter' : 'and ending with a letter or digit'}`;
  return { code: Code.NameInvalid, message: `invalid name '${value}': ${nameProblem(value, rule)}`, hint };
}

function nameProblem(value: string, rule: NameRule): string {
  if (value === '') return 'it is empty';
  if (value.length > rule.max) return `it is ${value.length} characters long (at most ${rule.max})`;
  if (/[A-Z]/.test(value)) return 'uppercase letters are not allowed';
  const bad = (rule.dots ? /[^a-z0-9.-]/ : /[^a-z0-9-]/).exec(value);
  if (bad) return `'${bad[0]}' is not allowed`;
  if (rule.letterFirst && !/^[a-z]/.test(value)) return 'it must start with a letter';
  const labels = rule.dots ? value.split('.') : [value];
  if (labels.some((l) => l === '')) return "it has an empty part between '.'";
  if (labels.some((l) => l.startsWith('-'))) return "it must not start with '-'";
  if (labels.some((l) => l.endsWith('-'))) return "it must not end with '-'";
  return `it is not ${rule.what}`;
}

/** A valid name close to `value`, or undefined when there is no obvious one. */
function sanitizeName(value: string, rule: NameRule): string | undefined {
  let name = value.toLowerCase().replace(rule.dots ? /[^a-z0-9.-]+/g : /[^a-z0-9-]+/g, '-');
  name = name
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, rule.max)
    .replace(/[-.]+$/, '');
  if (rule.dots) name = name.replace(/\.{2,}/g, '.').replace(/-\.|\.-/g, '.');
  if (name === '' || (rule.letterFirst && !/^[a-z]/.test(name))) return undefined;
  return name;
}

function addressProblem(value: string): string {
  if (value.includes('/')) return 'it has a prefix length; this field takes a single address';
  if (/\s/.test(value)) return 'it contains spaces';
  const parts = value.split('.');
  if (parts.length !== 4) return `it has ${parts.length} part${parts.length === 1 ? '' : 's'}; an IPv4 address has 4`;
  for (const part of parts) {
    if (part === '') return 'it has an empty part';
    if (!/^\d+$/.test(part)) return `'${part}' is not a number`;
    if (Number(part) > 255) return `${part} is more than 255`;
    if (part.length > 1 && part.startsWith('0')) return `'${part}' has a leading zero`;
  }
  return 'expected four numbers 0-255 separated by dots';
}

function explainAddress(value: string): Explanation {
  const slash = value.indexOf('/');
  const hint =
    slash > 0
      ? `drop the prefix length: '${value.slice(0, slash)}'`
      : 'an IPv4 address is four numbers 0-255 separated by dots, e.g. 10.234.2.11';
  return { code: Code.IpInvalid, message: `invalid IPv4 address '${value}': ${addressProblem(value)}`, hint };
}

function explainCidr(value: string): Explanation {
  const slash = value.indexOf('/');
  if (slash < 0) {
    return {
      code: Code.CidrInvalid,
      message: `invalid CIDR '${value}': the prefix length is missing`,
      hint: `write the prefix as address/length, e.g. ${/^[\d.]+$/.test(value) ? value : '10.244.0.0'}/16`,
    };
  }
  const length = value.slice(slash + 1);
  const address = value.slice(0, slash);
  if (!/^\d+$/.test(length) || Number(length) > 32 || (length.length > 1 && length.startsWith('0'))) {
    return {
      code: Code.CidrInvalid,
      message: `invalid CIDR '${value}': prefix length '${length}' is not a number from 0 to 32`,
      hint: 'an IPv4 prefix length is 0 to 32',
    };
  }
  return {
    code: Code.CidrInvalid,
    message: `invalid CIDR '${value}': ${addressProblem(address).replace('it has a prefix length; this field takes a single address', 'the address has two prefix lengths')}`,
    hint: 'write the prefix as address/length, e.g. 10.244.0.0/16',
  };
}

function explainMac(value: string): Explanation {
  const dashed = /^[0-9a-f]{2}(-[0-9a-f]{2}){5}$/i.test(value) || /^[0-9a-f]{2}(\.[0-9a-f]{2}){5}$/i.test(value);
  return {
    code: Code.MacInvalid,
    message: `invalid MAC address '${value}': expected six two-digit hex bytes separated by ':'`,
    hint: dashed
      ? `use ':' between the bytes: '${value.replace(/[-.]/g, ':').toLowerCase()}'`
      : 'a MAC address looks like 52:54:00:12:34:0b',
  };
}

function portNameProblem(value: string): string {
  if (value === '') return 'it is empty';
  if (value.length > 15) return `it is ${value.length} characters long (at most 15)`;
  if (/[A-Z]/.test(value)) return 'uppercase letters are not allowed';
  const bad = /[^a-z0-9-]/.exec(value);
  if (bad) return `'${bad[0]}' is not allowed`;
  if (!/[a-z]/.test(value)) return 'it must contain at least one letter';
  if (value.includes('--')) return "'--' is not allowed";
  if (value.startsWith('-') || value.endsWith('-')) return "it must not start or end with '-'";
  return 'it is not a valid port name';
}

const LABEL_NAME_CHARS = /[^A-Za-z0-9_.-]/;

function labelNamePartProblem(name: string): string | undefined {
  if (name === '') return 'the name part is empty';
  if (name.length > 63) return `the name part is ${name.length} characters long (at most 63)`;
  const bad = LABEL_NAME_CHARS.exec(name);
  if (bad) return `'${bad[0]}' is not allowed`;
  if (!/^[A-Za-z0-9]/.test(name) || !/[A-Za-z0-9]$/.test(name)) return 'it must start and end with a letter or digit';
  return undefined;
}

function labelKeyProblem(value: string): string {
  const slash = value.indexOf('/');
  if (slash >= 0) {
    const prefix = value.slice(0, slash);
    if (value.indexOf('/', slash + 1) >= 0) return "it has more than one '/'";
    if (!matchesFormat('dnsSubdomain', prefix)) return `the prefix '${prefix}' is not a DNS subdomain`;
    return labelNamePartProblem(value.slice(slash + 1)) ?? 'it is not a valid label key';
  }
  return labelNamePartProblem(value) ?? 'it is not a valid label key';
}

function labelValueProblem(value: string): string {
  if (value.length > 63) return `it is ${value.length} characters long (at most 63)`;
  return labelNamePartProblem(value) ?? 'it is not a valid label value';
}

function templateHint(value: string): { hint: string } {
  const badIndex = /\{index:(\d+)\}/.exec(value);
  if (badIndex && !badIndex[1]!.startsWith('0')) return { hint: `write {index:0${badIndex[1]}} to zero-pad to ${badIndex[1]} digits` };
  return { hint: "{index} is the generated item's number; {index:04} zero-pads it to 4 digits" };
}

function explainNamePattern(value: string): Explanation {
  const hasIndex = /\{index(?::0[1-9])?\}/.test(value);
  if (!hasIndex) {
    const padded = /\{index:(\d+)\}/.exec(value);
    if (padded) {
      return {
        code: Code.NamePatternInvalid,
        message: `invalid name pattern '${value}': '{index:${padded[1]}}' is not a placeholder`,
        hint: `write {index:0${padded[1]!.replace(/^0+/, '') || '1'}} to zero-pad the number`,
      };
    }
    return {
      code: Code.NamePatternInvalid,
      message: `invalid name pattern '${value}': it has no {index}, so every generated item would get the same name`,
      hint: `add the item's number, e.g. '${value}-{index}'`,
    };
  }
  const bad = /[^-a-z0-9.]/.exec(value.replace(/\{index(?::0[1-9])?\}/g, ''));
  return {
    code: Code.NamePatternInvalid,
    message: `invalid name pattern '${value}': ${bad ? `'${bad[0]}' is not allowed` : 'it is not a valid pattern'}`,
    hint: "a name pattern has lowercase letters, digits, '-', '.' and {index} or {index:0N}",
  };
}
