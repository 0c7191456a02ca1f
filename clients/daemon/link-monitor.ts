/**
 * What the daemon knows about its own link: RTT and jitter from heartbeat
 * acks, throughput from real model downloads and update uploads, resets from
 * dropped streams, plus what the device (or an emulation) declares: radio,
 * slice, metered, battery. Produces LinkReports and says when one changed
 * enough to be worth sending before the next periodic report.
 */
import type { LinkReport, RadioType } from '../../common/link';

/** Facts the device declares about itself (flags, or an emulation profile). */
export interface DeclaredLink {
  radio?: RadioType;
  slice?: string;
  metered?: boolean;
  battery?: number;
  charging?: boolean;
}

/** Relative change of a metric that makes a report worth sending early. */
const SIGNIFICANT_CHANGE = 0.25;
const ALPHA = 0.3;

const ewma = (prev: number | undefined, sample: number) => (prev === undefined ? sample : prev + ALPHA * (sample - prev));

/** Collects link measurements and turns them into reports. */
export class LinkMonitor {
  private rttMs?: number;
  private jitterMs?: number;
  private lastRtt?: number;
  private upMbps?: number;
  private downMbps?: number;
  private resets = 0;
  private transfers = 0;
  private failedTransfers = 0;
  private lastSent?: LinkReport;

  constructor(
    private readonly clientId: string,
    private declared: DeclaredLink = {},
  ) {}

  /** Changes what the device declares (e.g. a handover from 5G to LTE). */
  declare(declared: DeclaredLink): void {
    this.declared = { ...this.declared, ...declared };
  }

  /** The uplink throughput measured on recent uploads, Mbit/s (undefined before the first). */
  get uplinkMbps(): number | undefined {
    return this.upMbps;
  }

  /** A heartbeat round trip. */
  noteRtt(ms: number): void {
    if (!(ms >= 0)) return;
    if (this.lastRtt !== undefined) this.jitterMs = ewma(this.jitterMs, Math.abs(ms - this.lastRtt));
    this.lastRtt = ms;
    this.rttMs = ewma(this.rttMs, ms);
  }

  /** A finished transfer; tiny ones say more about latency than bandwidth, so they are ignored. */
  noteTransfer(direction: 'up' | 'down', bytes: number, ms: number): void {
    this.transfers++;
    if (bytes < 64 * 1024 || ms <= 0) return;
    const mbps = (bytes * 8) / (ms / 1000) / 1e6;
    if (direction === 'up') this.upMbps = ewma(this.upMbps, mbps);
    else this.downMbps = ewma(this.downMbps, mbps);
  }

  /** A transfer that failed on the network. */
  noteTransferFailure(): void {
    this.transfers++;
    this.failedTransfers++;
  }

  /** The control stream broke (not a drain). */
  noteReset(): void {
    this.resets++;
  }

  /** The current report; counters (resets, loss) cover the time since the last `markSent`. */
  report(nowMs: number): LinkReport {
    const d = this.declared;
    return {
      clientId: this.clientId,
      measuredAtMs: nowMs,
      radio: d.radio ?? 'unknown',
      slice: d.slice,
      rttMs: this.rttMs,
      jitterMs: this.jitterMs,
      upMbps: this.upMbps,
      downMbps: this.downMbps,
      loss: this.transfers > 0 ? this.failedTransfers / this.transfers : undefined,
      resets: this.resets,
      metered: d.metered,
      battery: d.battery,
      charging: d.charging,
    };
  }

  /** True when `report` differs enough from the last one sent to send it now. */
  changed(report: LinkReport): boolean {
    const last = this.lastSent;
    if (!last) return true;
    if (report.radio !== last.radio || report.slice !== last.slice || (report.resets ?? 0) > 0) return true;
    const moved = (a?: number, b?: number) => (a === undefined) !== (b === undefined) || (a !== undefined && b !== undefined && Math.abs(a - b) > SIGNIFICANT_CHANGE * Math.max(Math.abs(b), 1e-9));
    return moved(report.rttMs, last.rttMs) || moved(report.upMbps, last.upMbps) || moved(report.downMbps, last.downMbps);
  }

  /** Records that `report` went out; per-report counters start again. */
  markSent(report: LinkReport): void {
    this.lastSent = report;
    this.resets = 0;
    this.transfers = 0;
    this.failedTransfers = 0;
  }
}
