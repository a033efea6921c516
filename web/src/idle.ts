/**
 * Idle detection, as OCS did it: after some minutes without input an Available user is shown as
 * Inactive, later as Away, and returns to Available at the next input. Only the automatic states
 * are undone: a state the user chose (Busy, Away, …) is never touched.
 */
import type { Availability } from './protocol.ts';

export interface IdleOptions {
  readonly inactiveMs: () => number;
  readonly awayMs: () => number;
  /** The availability the user is shown with now. */
  readonly current: () => Availability;
  /**
   * Publishes a change; answers false when it could not be sent (it is tried again). `automatic`:
   * the user is idle (the server then does not count it as activity for the ticket's idle timeout).
   */
  readonly set: (availability: Availability, automatic: boolean) => boolean;
}

const checkEveryMs = 10_000;
const activityEvents = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'focus'] as const;

export class IdleMonitor {
  private lastInputAt = Date.now();
  /** The automatic state in force and the state to return to, or undefined when none is. */
  private auto: { readonly state: Availability; readonly previous: Availability } | undefined;

  constructor(private readonly options: IdleOptions) {}

  start(): void {
    for (const type of activityEvents) {
      window.addEventListener(type, () => this.activity(), { capture: true, passive: true });
    }
    setInterval(() => this.check(), checkEveryMs);
  }

  /** Input here or in a pop-up window. */
  activity(): void {
    this.lastInputAt = Date.now();
    if (!this.auto) return;
    const { state, previous } = this.auto;
    if (this.options.current() !== state) {
      this.auto = undefined;
      return;
    }
    if (this.options.set(previous, false)) this.auto = undefined;
  }

  /** The user chose an availability themselves: nothing automatic is in force any more. */
  chosen(): void {
    this.auto = undefined;
  }

  private check(): void {
    const idleMs = Date.now() - this.lastInputAt;
    const current = this.options.current();
    if (this.auto && current !== this.auto.state) this.auto = undefined;
    const previous = this.auto?.previous ?? current;
    if (previous !== 'available') return;
    const next: Availability | undefined =
      idleMs >= this.options.awayMs() ? 'away' : idleMs >= this.options.inactiveMs() ? 'inactive' : undefined;
    if (!next || next === current) return;
    if (this.options.set(next, true)) this.auto = { state: next, previous };
  }
}
