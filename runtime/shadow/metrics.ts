// Shadow mode's metrics, on the gateway's registry. Labels are proxy ids and verdicts only.
import { Counter, Gauge, type Registry } from "prom-client";

export class ShadowMetrics {
  private readonly decisions: Counter<"proxy" | "outcome">;
  private readonly disagreements: Counter<"proxy" | "enforced" | "shadow">;
  private readonly info: Gauge<"revision">;

  constructor(registry: Registry) {
    const registers = [registry];
    this.decisions = new Counter({
      name: "rrc_shadow_decisions_total",
      help: "Requests the shadow bundle decided, by outcome: agree, disagree, or undecided (it needed a body the gateway did not read).",
      labelNames: ["proxy", "outcome"],
      registers,
    });
    this.disagreements = new Counter({
      name: "rrc_shadow_disagreements_total",
      help: "Requests where the shadow bundle's verdict, code or rule differed from the enforced one, by both verdicts.",
      labelNames: ["proxy", "enforced", "shadow"],
      registers,
    });
    this.info = new Gauge({
      name: "rrc_shadow_bundle_info",
      help: "The loaded shadow bundle: always 1, labelled with its revision.",
      labelNames: ["revision"],
      registers,
    });
  }

  loaded(revision: string): void {
    this.info.reset();
    this.info.set({ revision }, 1);
  }

  agreed(proxy: string): void {
    this.decisions.inc({ proxy, outcome: "agree" });
  }

  undecided(proxy: string): void {
    this.decisions.inc({ proxy, outcome: "undecided" });
  }

  disagreed(proxy: string, enforced: string, shadow: string): void {
    this.decisions.inc({ proxy, outcome: "disagree" });
    this.disagreements.inc({ proxy, enforced, shadow });
  }
}
