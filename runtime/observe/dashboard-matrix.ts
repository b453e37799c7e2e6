// The access matrix the dashboard shows: `rrc matrix`'s analysis of the loaded bundle
// (compiler/matrix), reduced to what a table cell needs — the allow rules that grant the
// pair something, and one plain sentence per access entry for the cell's tooltip.
import { buildMatrix } from "../../compiler/matrix/access.ts";
import { entryPhrase, plainText } from "../../compiler/matrix/describe.ts";
import type { LoadedBundle } from "../bundle/load.ts";

export interface DashboardCell {
  readonly proxy: string;
  readonly credential: string;
  readonly accepted: boolean;
  /** Allow rules granting the pair something; empty with entries: every scope allows by default. */
  readonly rules: readonly string[];
  readonly entries: readonly string[];
  readonly truncated: boolean;
}

export interface DashboardMatrix {
  readonly proxies: readonly string[];
  readonly credentials: readonly string[];
  readonly cells: readonly DashboardCell[];
}

const computed = new WeakMap<LoadedBundle, DashboardMatrix>();

/** Worked out once per loaded bundle. */
export function dashboardMatrix(bundle: LoadedBundle): DashboardMatrix {
  let matrix = computed.get(bundle);
  if (matrix === undefined) {
    matrix = compute(bundle);
    computed.set(bundle, matrix);
  }
  return matrix;
}

function compute(bundle: LoadedBundle): DashboardMatrix {
  const { flat, document } = bundle.module.policy;
  const matrix = buildMatrix(flat, document);
  return {
    proxies: matrix.proxies,
    credentials: matrix.credentials,
    cells: matrix.cells.map((cell) => ({
      proxy: cell.proxy,
      credential: cell.credential,
      accepted: cell.accepted,
      rules: [...new Set(cell.entries.flatMap((entry) => entry.grantedBy.map((ref) => ref.rule)))],
      entries: cell.entries.map((entry) => plainText(entryPhrase(entry))),
      truncated: cell.truncated,
    })),
  };
}
