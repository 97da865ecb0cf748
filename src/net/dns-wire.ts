/**
 * DNS messages in their wire format (RFC 1035 4.1, EDNS0 RFC 6891): what a
 * reply weighs, which is what dig prints as `MSG SIZE  rcvd`. Pure.
 *
 * Name compression (RFC 1035 4.1.4) is optional because CoreDNS does not
 * compress a reply that fits the client's buffer (request.Scrub sets
 * Compress to false). When it does compress, it is miekg/dns's packer:
 * owner names, and the names inside PTR, CNAME, NS and SOA data, point at
 * the first copy of their longest known suffix, keyed by the name as written
 * (case kept); SRV targets are never compressed (RFC 2782); pointers only
 * reach the first 16 KiB.
 */
import type { IPv4 } from './ipv4.js';

export const DNS_TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, AAAA: 28, SRV: 33, OPT: 41 } as const;
export type DnsTypeName = keyof typeof DNS_TYPE;

export type DnsRdata =
  | { readonly type: 'A'; readonly address: IPv4 }
  | { readonly type: 'PTR'; readonly target: string }
  | { readonly type: 'SRV'; readonly priority: number; readonly weight: number; readonly port: number; readonly target: string }
  | {
      readonly type: 'SOA';
      readonly mname: string;
      readonly rname: string;
      readonly serial: number;
      readonly refresh: number;
      readonly retry: number;
      readonly expire: number;
      readonly minimum: number;
    };

/** A resource record of class IN; names are absolute, with or without the final dot. */
export type WireRecord = { readonly name: string; readonly ttl: number } & DnsRdata;

export interface EdnsOption {
  readonly code: number;
  readonly data: Uint8Array;
}

/** The OPT pseudo-record (RFC 6891 6.1.2): the sender's UDP payload size, DO flag and options. */
export interface Edns {
  readonly udpSize: number;
  readonly version: number;
  readonly dnssecOk: boolean;
  readonly options: readonly EdnsOption[];
}

export const EDNS_OPTION = { COOKIE: 10 } as const;

export interface WireMessage {
  readonly id: number;
  /** The 16 header bits after the id: QR, opcode, AA, TC, RD, RA, Z, AD, CD and the rcode. */
  readonly flags: number;
  readonly question: { readonly name: string; readonly type: DnsTypeName };
  readonly answer: readonly WireRecord[];
  readonly authority: readonly WireRecord[];
  /** Without the OPT record, which goes last when `edns` is set. */
  readonly additional: readonly WireRecord[];
  readonly edns?: Edns;
}

export const FLAG = { QR: 0x8000, AA: 0x0400, TC: 0x0200, RD: 0x0100, RA: 0x0080, AD: 0x0020, CD: 0x0010 } as const;
export const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

const MAX_POINTER = 0x3fff;

class Packer {
  private readonly bytes: number[] = [];
  private readonly suffixes = new Map<string, number>();

  constructor(private readonly compress: boolean) {}

  get length(): number {
    return this.bytes.length;
  }

  u8(v: number): void {
    this.bytes.push(v & 0xff);
  }

  u16(v: number): void {
    this.bytes.push((v >>> 8) & 0xff, v & 0xff);
  }

  u32(v: number): void {
    this.u16(v >>> 16);
    this.u16(v & 0xffff);
  }

  raw(data: Uint8Array): void {
    for (const b of data) this.bytes.push(b);
  }

  /** A domain name: labels, or labels and a pointer to a suffix already written. */
  name(name: string, compressible: boolean): void {
    const labels = name
      .replace(/\.$/, '')
      .split('.')
      .filter((l) => l !== '');
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.');
      const at = this.suffixes.get(suffix);
      if (this.compress && compressible && at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.compress && this.length <= MAX_POINTER && !this.suffixes.has(suffix)) this.suffixes.set(suffix, this.length);
      const label = labels[i]!;
      if (label.length > 63) throw new Error(`bug: DNS label longer than 63 bytes: ${label}`);
      this.u8(label.length);
      for (let c = 0; c < label.length; c++) this.u8(label.charCodeAt(c));
    }
    this.u8(0);
  }

  record(rr: WireRecord): void {
    this.name(rr.name, true);
    this.u16(DNS_TYPE[rr.type]);
    this.u16(1); // IN
    this.u32(rr.ttl);
    const lengthAt = this.length;
    this.u16(0);
    const start = this.length;
    switch (rr.type) {
      case 'A':
        this.u32(rr.address);
        break;
      case 'PTR':
        this.name(rr.target, true);
        break;
      case 'SRV':
        this.u16(rr.priority);
        this.u16(rr.weight);
        this.u16(rr.port);
        this.name(rr.target, false);
        break;
      case 'SOA':
        this.name(rr.mname, true);
        this.name(rr.rname, true);
        for (const n of [rr.serial, rr.refresh, rr.retry, rr.expire, rr.minimum]) this.u32(n);
        break;
    }
    const rdlength = this.length - start;
    this.bytes[lengthAt] = rdlength >>> 8;
    this.bytes[lengthAt + 1] = rdlength & 0xff;
  }

  opt(edns: Edns): void {
    this.u8(0); // the root
    this.u16(DNS_TYPE.OPT);
    this.u16(edns.udpSize);
    this.u8(0); // extended rcode
    this.u8(edns.version);
    this.u16(edns.dnssecOk ? 0x8000 : 0);
    this.u16(edns.options.reduce((n, o) => n + 4 + o.data.length, 0));
    for (const o of edns.options) {
      this.u16(o.code);
      this.u16(o.data.length);
      this.raw(o.data);
    }
  }

  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** The message as sent on the wire (for UDP; TCP adds a two-byte length that dig does not count). */
export function encodeMessage(message: WireMessage, options: { compress: boolean }): Uint8Array {
  const p = new Packer(options.compress);
  p.u16(message.id);
  p.u16(message.flags);
  p.u16(1);
  p.u16(message.answer.length);
  p.u16(message.authority.length);
  p.u16(message.additional.length + (message.edns ? 1 : 0));
  p.name(message.question.name, true);
  p.u16(DNS_TYPE[message.question.type]);
  p.u16(1);
  for (const rr of [...message.answer, ...message.authority, ...message.additional]) p.record(rr);
  if (message.edns) p.opt(message.edns);
  return p.done();
}
