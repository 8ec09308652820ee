import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** Samples a process's CPU and peak RSS over a measured phase. */
export class ProcessMeter {
  private startCpu = 0;
  private startedAt = 0;
  private peakRss = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly pid: number) {}

  private lastCpu = 0;

  start(): void {
    this.startCpu = cpuSeconds(this.pid);
    this.lastCpu = this.startCpu;
    this.startedAt = performance.now();
    this.peakRss = rssMiB(this.pid);
    this.timer = setInterval(() => this.sample(), 100);
  }

  /** A process that died during the phase keeps its last readings (the run reports it; the meter must not throw). */
  private sample(): void {
    this.lastCpu = safely(() => cpuSeconds(this.pid), this.lastCpu);
    this.peakRss = Math.max(this.peakRss, safely(() => rssMiB(this.pid), 0));
  }

  stop(): { cpuSeconds: number; cpuPercent: number; peakRssMiB: number } {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    const cpu = this.lastCpu - this.startCpu;
    const wallSeconds = (performance.now() - this.startedAt) / 1000;
    return { cpuSeconds: round(cpu), cpuPercent: round((cpu / wallSeconds) * 100), peakRssMiB: round(this.peakRss) };
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Pids of the processes whose command name (`/proc/<pid>/comm`) is `name`: `postgres`, `redis-server`. */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // gone between the listing and the read
    }
  }
  return pids;
}

/**
 * CPU and peak RSS summed over several processes: a cluster's instances, or every process of a name
 * (PostgreSQL's backends come and go; those that start during the phase count from zero).
 */
export class GroupMeter {
  private startCpu = new Map<number, number>();
  private startedAt = 0;
  private peakRss = 0;
  private peakRssEach = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly pids: () => number[]) {}

  static ofPids(pids: number[]): GroupMeter {
    return new GroupMeter(() => pids);
  }

  static named(name: string): GroupMeter {
    return new GroupMeter(() => pidsNamed(name));
  }

  private sample(): void {
    let total = 0;
    for (const pid of this.pids()) {
      const rss = safely(() => rssMiB(pid), 0);
      total += rss;
      this.peakRssEach.set(pid, Math.max(this.peakRssEach.get(pid) ?? 0, rss));
    }
    this.peakRss = Math.max(this.peakRss, total);
  }

  start(): void {
    this.startCpu = new Map(this.pids().map((pid) => [pid, safely(() => cpuSeconds(pid), 0)]));
    this.startedAt = performance.now();
    this.peakRss = 0;
    this.peakRssEach.clear();
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
  }

  stop(): { cpuSeconds: number; cpuPercent: number; peakRssMiB: number; peakRssMiBEach: number[] } {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    let cpu = 0;
    for (const pid of new Set([...this.startCpu.keys(), ...this.pids()])) {
      const now = safely(() => cpuSeconds(pid), Number.NaN);
      if (Number.isNaN(now)) continue; // exited during the phase: its last ticks are not readable
      cpu += now - (this.startCpu.get(pid) ?? 0);
    }
    const wallSeconds = (performance.now() - this.startedAt) / 1000;
    return {
      cpuSeconds: round(cpu),
      cpuPercent: round((cpu / wallSeconds) * 100),
      peakRssMiB: round(this.peakRss),
      peakRssMiBEach: [...this.peakRssEach.values()].map(round),
    };
  }
}

/** Current RSS summed over pids, in MiB. */
export function totalRssMiB(pids: number[]): number {
  return round(pids.reduce((sum, pid) => sum + safely(() => rssMiB(pid), 0), 0));
}

function safely<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}
