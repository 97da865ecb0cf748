/**
 * What packet walks count on the devices they cross: rx and tx packets and
 * bytes, and tx errors, per netns and device. A walk session keeps them
 * (its KernelState; `--traffic` shares one across its flows), not the
 * kernel state, which is built once and never changed by a walk; the
 * renderers of `ip -s link`, `ifconfig`, `ethtool -S` and `netlab show
 * stats` add them to a device's own counters through `reader`.
 */
import type { Counters, CountersOf, Link } from '../kernel/link.js';
import type { NetNs } from '../kernel/netns.js';

type Counted = { -readonly [K in keyof Counters]: Counters[K] };

function zero(): Counted {
  return { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0, rxDropped: 0, txDropped: 0, txErrors: 0, txCarrierErrors: 0 };
}

export class DeviceCounters {
  private readonly byDevice = new Map<string, Counted>();

  private counted(ns: NetNs, dev: Link): Counted {
    const key = `${ns.id}|${dev.name}`;
    let counted = this.byDevice.get(key);
    if (!counted) this.byDevice.set(key, (counted = zero()));
    return counted;
  }

  /** A packet of `ipBytes` received or sent on `dev`. Counters count Ethernet frames: the IP packet plus the 14-byte header where there is one. */
  frame(ns: NetNs, dev: Link, direction: 'rx' | 'tx', ipBytes: number): void {
    const frameBytes = ipBytes + (dev.mac !== undefined && dev.info.kind !== 'loopback' ? 14 : 0);
    const counted = this.counted(ns, dev);
    if (direction === 'rx') {
      counted.rxPackets++;
      counted.rxBytes += frameBytes;
    } else {
      counted.txPackets++;
      counted.txBytes += frameBytes;
    }
  }

  /** A transmission the driver gave up on for want of a path (tx_carrier_errors, within tx_errors). */
  carrierError(ns: NetNs, dev: Link): void {
    const counted = this.counted(ns, dev);
    counted.txErrors++;
    counted.txCarrierErrors++;
  }

  /** A device's own counters plus what the walks counted on it. */
  of(ns: NetNs, dev: Link): Counters {
    const counted = this.byDevice.get(`${ns.id}|${dev.name}`);
    if (!counted) return dev.counters;
    const own = dev.counters;
    return {
      rxPackets: own.rxPackets + counted.rxPackets,
      rxBytes: own.rxBytes + counted.rxBytes,
      txPackets: own.txPackets + counted.txPackets,
      txBytes: own.txBytes + counted.txBytes,
      rxDropped: own.rxDropped + counted.rxDropped,
      txDropped: own.txDropped + counted.txDropped,
      txErrors: own.txErrors + counted.txErrors,
      txCarrierErrors: own.txCarrierErrors + counted.txCarrierErrors,
    };
  }

  /** The counters of one netns' devices, for a renderer. */
  reader(ns: NetNs): CountersOf {
    return (dev) => this.of(ns, dev);
  }
}
