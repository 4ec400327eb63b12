// The per-family summary of the conformance run: family | cases | passed | failed | not implemented.

type Outcome = 'passed' | 'failed' | 'not implemented';

export class Tally {
  private readonly rows = new Map<string, Record<Outcome, string[]>>();

  add(family: string, id: string, outcome: Outcome): void {
    if (!this.rows.has(family)) this.rows.set(family, { passed: [], failed: [], 'not implemented': [] });
    this.rows.get(family)![outcome].push(id);
  }

  /** Runs one case's checks, records whether they threw, and rethrows for the test runner. */
  run(family: string, id: string, check: () => void): void {
    try { check(); } catch (e) { this.add(family, id, 'failed'); throw e; }
    this.add(family, id, 'passed');
  }

  table(title: string): string {
    const head = ['family', 'cases', 'passed', 'failed', 'not implemented'];
    const total: Record<Outcome, number> = { passed: 0, failed: 0, 'not implemented': 0 };
    const body = [...this.rows].sort(([a], [b]) => a.localeCompare(b)).map(([family, r]) => {
      for (const k of Object.keys(total) as Outcome[]) total[k] += r[k].length;
      return [family, r.passed.length + r.failed.length + r['not implemented'].length, r.passed.length, r.failed.length, r['not implemented'].length].map(String);
    });
    body.push(['total', total.passed + total.failed + total['not implemented'], total.passed, total.failed, total['not implemented']].map(String));
    const width = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
    const line = (row: string[]) => `| ${row.map((c, i) => (i ? c.padStart(width[i]) : c.padEnd(width[i]))).join(' | ')} |`;
    const failed = [...this.rows].filter(([, r]) => r.failed.length).map(([f, r]) => `  ${f}: ${r.failed.join(' ')}`);
    return [`\n${title}`, line(head), line(width.map((w) => '-'.repeat(w))), ...body.slice(0, -1).map(line), line(body[body.length - 1]),
      ...(failed.length ? ['failed cases:', ...failed] : []), ''].join('\n');
  }
}
