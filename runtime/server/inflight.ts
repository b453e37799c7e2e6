// Counts requests in flight per policy state, so a replaced state is closed only after
// the requests that started on it are done (zero failed requests across a reload).
import type { PolicyState } from "./policy-state.ts";

export class InflightTracker {
  private readonly counts = new Map<PolicyState, number>();
  private readonly waiters = new Map<PolicyState | null, (() => void)[]>();
  private total = 0;

  enter(state: PolicyState): void {
    this.counts.set(state, (this.counts.get(state) ?? 0) + 1);
    this.total++;
  }

  leave(state: PolicyState): void {
    const left = (this.counts.get(state) ?? 1) - 1;
    this.total--;
    if (left === 0) {
      this.counts.delete(state);
      this.release(state);
    } else {
      this.counts.set(state, left);
    }
    if (this.total === 0) this.release(null);
  }

  whenIdle(state: PolicyState): Promise<void> {
    if (!this.counts.has(state)) return Promise.resolve();
    return this.wait(state);
  }

  whenAllIdle(): Promise<void> {
    return this.total === 0 ? Promise.resolve() : this.wait(null);
  }

  private wait(key: PolicyState | null): Promise<void> {
    return new Promise((resolve) => {
      const list = this.waiters.get(key) ?? [];
      list.push(resolve);
      this.waiters.set(key, list);
    });
  }

  private release(key: PolicyState | null): void {
    const list = this.waiters.get(key);
    if (!list) return;
    this.waiters.delete(key);
    for (const resolve of list) resolve();
  }
}
