// The op catalog version a graph records: a semver that decides compatibility, and a hash of everything a
// graph can name (op names, arities, attribute names; the control-flow nodes) that identifies the exact catalog.
//
// Rule: a graph is accepted when its MAJOR equals ours and its MINOR is at most ours (minor versions only add
// ops or optional attributes; a major version changes what existing graphs mean). The hash is informational:
// every node is validated on its own, so a graph from another build of the same minor version still runs if
// it names only ops that exist here.
import { allOps } from '../catalog.js';
import { fail } from '../errors.js';

export const CATALOG_SEMVER = '1.0.0';

/** Attribute names of the graph-only nodes (subgraph-valued attributes hold {graph: k}). */
export const CONTROL_ATTRS: Readonly<Record<string, readonly string[]>> = {
  cond: ['true_branch', 'false_branch'],
  while_loop: ['cond', 'body'],
  for_loop: ['body'],
  scan: ['body', 'length', 'num_carry', 'num_xs'],
  primitive: ['name', 'forward', 'vjp', 'jvp'],
};

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

let cache: [count: number, version: string] | undefined;

/** `MAJOR.MINOR.PATCH+hash`, e.g. '1.0.0+3fa2b9c1'. */
export function catalogVersion(): string {
  const ops = allOps();
  if (cache?.[0] !== ops.length) {
    const lines = ops.map((op) => `${op.name}/${op.minArity ?? op.arity}-${op.arity}/${(op.attrs ?? []).join(',')}`);
    for (const [name, attrs] of Object.entries(CONTROL_ATTRS)) lines.push(`${name}/control/${attrs.join(',')}`);
    cache = [ops.length, `${CATALOG_SEMVER}+${fnv1a(lines.sort().join('\n'))}`];
  }
  return cache[1];
}

const VERSION = /^(\d+)\.(\d+)\.(\d+)(?:\+([0-9a-f]{8}))?$/;

/** Throws INVALID_GRAPH unless a graph recording catalog version `v` can run here (see the rule above). */
export function checkCatalogVersion(v: unknown, where: string): void {
  const m = typeof v === 'string' ? VERSION.exec(v) : null;
  if (!m) fail('INVALID_GRAPH', `${where}: catalogVersion ${JSON.stringify(v)?.slice(0, 40)} is not a catalog version (MAJOR.MINOR.PATCH or MAJOR.MINOR.PATCH+hash, e.g. '${catalogVersion()}')`);
  const [major, minor] = CATALOG_SEMVER.split('.').map(Number);
  if (Number(m[1]) !== major || Number(m[2]) > minor)
    fail('INVALID_GRAPH', `${where}: the graph was built for op catalog ${v}, which this engine (catalog ${catalogVersion()}) cannot run: ` +
      `it accepts catalog versions ${major}.0 to ${major}.${minor}; rebuild the graph with this version's client`);
}
