import { readFileSync } from 'node:fs';

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

  start(): void {
    this.startCpu = cpuSeconds(this.pid);
    this.startedAt = performance.now();
    this.peakRss = rssMiB(this.pid);
    this.timer = setInterval(() => {
      this.peakRss = Math.max(this.peakRss, rssMiB(this.pid));
    }, 100);
  }

  stop(): { cpuSeconds: number; cpuPercent: number; peakRssMiB: number } {
    if (this.timer) clearInterval(this.timer);
    const cpu = cpuSeconds(this.pid) - this.startCpu;
    const wallSeconds = (performance.now() - this.startedAt) / 1000;
    this.peakRss = Math.max(this.peakRss, rssMiB(this.pid));
    return { cpuSeconds: round(cpu), cpuPercent: round((cpu / wallSeconds) * 100), peakRssMiB: round(this.peakRss) };
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
