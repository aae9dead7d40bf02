/**
 * Reads the hand-written decision tables in this folder (checkout.md, legacy.md, scenarios.md).
 * Only parsing lives here: every expected value comes from the Markdown, none from the code
 * under test.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export type Letter = 'A' | 'I' | '=' | 'N' | 'U' | 'D';
export type When = 'earlier' | 'equal' | 'later';
export const WHENS: readonly When[] = ['earlier', 'equal', 'later'];

export interface Table {
  readonly header: string[];
  readonly rows: string[][];
}

export interface PaymentLinkStep {
  readonly n: number;
  readonly status: string;
  readonly id: string;
  readonly original: string | null;
  readonly amount: number | null;
  readonly expect: { readonly outcome: string; readonly status: string; readonly amount: number | null; readonly refunded: number | null };
}

/** The `### P…` scenarios of paymentlink.md. */
export function paymentLinkScenarios(): { name: string; steps: PaymentLinkStep[]; finalStatus: string }[] {
  const lines = readFileSync(join(here, 'paymentlink.md'), 'utf8').split('\n');
  const out: { name: string; steps: PaymentLinkStep[]; finalStatus: string }[] = [];
  for (const line of lines) {
    if (line.startsWith('### P')) out.push({ name: line.slice(4).trim(), steps: [], finalStatus: '' });
    const current = out.at(-1);
    if (!current) continue;
    const cells = line.startsWith('|')
      ? line
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim())
      : [];
    if (cells.length === 6 && /^\d+$/.test(cells[0]!)) {
      const [status, id, original, amount] = cells[1]!.split(' ') as [string, string, string, string];
      current.steps.push({
        n: Number(cells[0]),
        status,
        id,
        original: original === '—' ? null : original,
        amount: amount === '—' ? null : Number(amount),
        expect: { outcome: cells[2]!, status: cells[3]!, amount: num(cells[4]!), refunded: num(cells[5]!) },
      });
    }
    const final = /^Final in every delivery order: (\S+)$/.exec(line);
    if (final) current.finalStatus = final[1]!;
  }
  return out;
}

/** Sections of a Markdown file by `## ` heading, each with its tables and its other lines. */
export function sections(file: string): Map<string, { tables: Table[]; text: string[] }> {
  const lines = readFileSync(join(here, file), 'utf8').split('\n');
  const out = new Map<string, { tables: Table[]; text: string[] }>();
  let current = { tables: [] as Table[], text: [] as string[] };
  out.set('', current);
  let table: string[][] | null = null;
  for (const line of lines) {
    if (line.startsWith('## ')) {
      current = { tables: [], text: [] };
      out.set(line.slice(3).trim(), current);
      table = null;
      continue;
    }
    if (line.startsWith('|')) {
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      if (cells.every((c) => /^-+$/.test(c))) continue;
      if (table === null) {
        table = [];
        current.tables.push({ header: cells, rows: table });
        // the header row itself is not a data row
        continue;
      }
      table.push(cells);
      continue;
    }
    table = null;
    if (line.trim() !== '') current.text.push(line.trim());
  }
  return out;
}

export interface StatusSpec {
  /** raw value -> canonical status */
  readonly canonical: ReadonlyMap<string, string>;
  readonly columns: readonly string[];
  /** row raw value ('—' for no charge) -> column raw value -> letters for earlier, equal, later */
  readonly cells: ReadonlyMap<string, ReadonlyMap<string, readonly [Letter, Letter, Letter]>>;
  /** `from>to` -> reason */
  readonly reasons: ReadonlyMap<string, string>;
}

export function statusSpec(file: 'checkout.md' | 'legacy.md' | 'paymentlink.md'): StatusSpec {
  const s = sections(file);
  const values = s.get('Status values')!.tables[0]!;
  const canonical = new Map(values.rows.map((r) => [r[0]!, r[1]!]));
  const transitions = s.get('Transitions')!.tables[0]!;
  const columns = transitions.header.slice(1, -1);
  const cells = new Map<string, Map<string, readonly [Letter, Letter, Letter]>>();
  for (const row of transitions.rows) {
    const byColumn = new Map<string, readonly [Letter, Letter, Letter]>();
    columns.forEach((column, i) => {
      const letters = row[i + 1]!;
      if (!/^[AI=NUD]{3}$/.test(letters)) throw new Error(`${file}: bad cell ${row[0]} / ${column}: ${letters}`);
      byColumn.set(column, letters.split('') as [Letter, Letter, Letter]);
    });
    cells.set(row[0]!, byColumn);
  }
  const reasonTable = sections('checkout.md').get('Reasons')!.tables[0]!;
  const reasons = new Map(reasonTable.rows.map((r) => [`${r[0]}>${r[1]}`, r[2]!]));
  return { canonical, columns, cells, reasons };
}

/** checkout.md, "Pre-authorized by payment type": raw, paymentType (null: no transaction), canonical. */
export function paymentTypeRows(): { raw: string; paymentType: string | null; canonical: string }[] {
  const table = sections('checkout.md').get('Pre-authorized by payment type')!.tables[0]!;
  return table.rows.map((r) => ({ raw: r[0]!, paymentType: r[1] === '—' ? null : r[1]!, canonical: r[2]! }));
}

export interface ScenarioStep {
  readonly n: number;
  readonly send: string;
  readonly eventDate: string | null;
  readonly received: string;
  /** As written: `10000`, `"10000"` (a JSON string), or null (absent). */
  readonly amount: string | null;
  readonly refunded: string | null;
  readonly expect: {
    readonly outcome: string;
    readonly status: string | null;
    readonly amount: number | null;
    readonly refunded: number | null;
    readonly threeDs: string | null;
    readonly event: string | null;
    readonly reason: string | null;
  };
}

export interface Scenario {
  readonly name: string;
  readonly steps: readonly ScenarioStep[];
  readonly final: { status: string | null; amount: number | null; refunded: number | null; threeDs: string | null };
}

const dash = (v: string): string | null => (v === '—' ? null : v);
const num = (v: string): number | null => (v === '—' ? null : Number(v));

/** The `## S…` scenarios of scenarios.md, or the `## L…` ones of legacy.md. */
export function scenarios(file: 'scenarios.md' | 'legacy.md' = 'scenarios.md'): Scenario[] {
  const out: Scenario[] = [];
  for (const [name, section] of sections(file)) {
    if (!/^[SL]\d+ /.test(name)) continue;
    const table = section.tables[0]!;
    const steps = table.rows.map((r) => ({
      n: Number(r[0]),
      send: r[1]!,
      eventDate: dash(r[2]!),
      received: r[3]!,
      amount: dash(r[4]!),
      refunded: dash(r[5]!),
      expect: {
        outcome: r[6]!,
        status: dash(r[7]!),
        amount: num(r[8]!),
        refunded: num(r[9]!),
        threeDs: dash(r[10]!),
        event: dash(r[11]!),
        reason: dash(r[12]!),
      },
    }));
    const finalLine = section.text.find((t) => t.startsWith('Final in every delivery order:'));
    const m = /^Final in every delivery order: (\S+), amount (\S+), refunded (\S+), 3DS (\S+)$/.exec(finalLine ?? '');
    if (!m) throw new Error(`${file}: ${name} has no final line`);
    out.push({ name, steps, final: { status: dash(m[1]!), amount: num(m[2]!), refunded: num(m[3]!), threeDs: dash(m[4]!) } });
  }
  return out;
}

/** The table's letter for a charge whose last notification was `now`, given `next`. Raw values
 * are looked up by their canonical status (each canonical status has one row and one column). */
export function cellFor(spec: StatusSpec, now: { raw: string; at: number }, next: { raw: string; at: number }): Letter {
  const label = (raw: string) => {
    if (spec.cells.has(raw) && spec.columns.includes(raw)) return raw;
    const canonical = spec.canonical.get(raw);
    const found = spec.columns.find((c) => spec.canonical.get(c) === canonical && spec.cells.has(c));
    if (!found) throw new Error(`no table row for ${raw}`);
    return found;
  };
  const when: When = next.at < now.at ? 'earlier' : next.at === now.at ? 'equal' : 'later';
  return spec.cells.get(label(now.raw))!.get(label(next.raw))![WHENS.indexOf(when)]!;
}

export interface SpecNote {
  readonly raw: string;
  readonly at: number;
  readonly refunded?: number | null;
}

/**
 * The notification that decides a charge's status, by the tables alone: a next notification
 * takes over when its cell is `A`, `U` or `=` (a newer one of the same status); two of the same
 * status and time differ only in the refunded amount, and the larger wins (scenarios S4, S5).
 */
export function tableWinner<T extends SpecNote>(spec: StatusSpec, notes: readonly T[]): T {
  let winner = notes[0]!;
  for (const next of notes.slice(1)) {
    if (next.raw === winner.raw && next.at === winner.at) {
      if ((next.refunded ?? -1) > (winner.refunded ?? -1)) winner = next;
      continue;
    }
    const letter = cellFor(spec, winner, next);
    if (letter === 'A' || letter === 'U' || letter === '=') winner = next;
  }
  return winner;
}
