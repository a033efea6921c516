/**
 * Tells when the process is behind: a timer that should fire every `sampleMs` is measured against
 * the clock, and the delay it sees (smoothed) is how long a frame read now waits for the event loop.
 * Above `overloadedMs`, the gateway answers frames with a `busy` error instead of running them, which
 * costs a fraction of running them: the backlog drains and latency stays bounded, instead of every
 * frame waiting behind a growing queue.
 */
export class LoopDelay {
  private delayMs = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly overloadedMs = 200,
    sampleMs = 10,
  ) {
    let expected = performance.now() + sampleMs;
    this.timer = setInterval(() => {
      const now = performance.now();
      const late = Math.max(0, now - expected);
      expected = now + sampleMs;
      // Quick to rise, slower to fall: a burst sheds at once, recovery waits for a calm loop.
      this.delayMs = late > this.delayMs ? late : this.delayMs * 0.7 + late * 0.3;
    }, sampleMs).unref();
  }

  get overloaded(): boolean {
    return this.delayMs > this.overloadedMs;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
