import { peerServers } from './peers.ts';
import { round, type Figure } from './support/figures.ts';

/** A product figure and the figure of another server measured with the same shape. */
interface Comparable {
  readonly product: string;
  /** The other server's figure, `<peer>` replaced by the peer's name. */
  readonly other: string;
  readonly better: 'higher' | 'lower';
  /** What the issue asks of the ratio, where it asks something. */
  readonly target?: string;
}

const comparables: readonly Comparable[] = [
  {
    product: 'im.throughput',
    other: 'peer.<peer>.im.throughput',
    better: 'higher',
    target: '≥ 1.0 against ejabberd, 0 lost',
  },
  { product: 'im.latency', other: 'peer.<peer>.im.latency', better: 'lower' },
  { product: 'presence.fanout.w100', other: 'peer.<peer>.presence.fanout.w100', better: 'lower' },
  {
    product: 'presence.fanout.w500',
    other: 'peer.<peer>.presence.fanout.w500',
    better: 'lower',
    target: '≥ 1.0 against ejabberd (p50)',
  },
  {
    product: 'signin.hash_excluded.rate',
    other: 'peer.<peer>.signin.rate',
    better: 'higher',
    target: "≥ 1.0 against ejabberd's SCRAM sign-in rate",
  },
];

const units = {
  higher: 'ratio product / peer: > 1 = product better (higher is better)',
  lower: 'ratio peer / product: > 1 = product better (lower is better)',
} as const;

/**
 * One `ratio.<figure>.vs_<peer>` line per product figure that a peer measured the same way, oriented
 * so that > 1 always means the product did better (product / peer for rates, peer / product for
 * times); `median` compares the medians, `p99` the p99s (for a rate: the low ends). And the product's
 * IM throughput against the bare router's (`ratio.im.throughput.vs_ceiling`, ≤ 1).
 */
export function ratioFigures(figures: ReadonlyMap<string, Figure>): Figure[] {
  const ratios: Figure[] = [];
  for (const comparable of comparables) {
    const product = figures.get(comparable.product);
    if (!product) continue;
    for (const peer of peerServers) {
      const otherName = comparable.other.replace('<peer>', peer);
      const other = figures.get(otherName);
      if (!other) continue;
      const ratio = (a: number, b: number) => {
        const value = comparable.better === 'higher' ? a / b : b / a;
        return Number.isFinite(value) ? round(value) : 0;
      };
      ratios.push({
        name: `ratio.${comparable.product}.vs_${peer}`,
        unit: units[comparable.better],
        median: ratio(product.median, other.median),
        p99: ratio(product.p99, other.p99),
        runs: 1,
        settings: { product: comparable.product, peer: otherName },
        ...shapeDifference(product, other),
        product: { median: product.median, p99: product.p99, ...lostOf(product) },
        [peer]: { median: other.median, p99: other.p99, ...lostOf(other) },
        ...(comparable.target && peer === 'ejabberd' && { target: comparable.target }),
      });
    }
  }
  const product = figures.get('im.throughput');
  const ceiling = figures.get('ceiling.im.throughput');
  if (product && ceiling) {
    ratios.push({
      name: 'ratio.im.throughput.vs_ceiling',
      unit: 'ratio product / bare ws router (1 = as fast as routing alone on this machine)',
      median: round(product.median / ceiling.median),
      p99: round(product.p99 / ceiling.p99),
      runs: 1,
      settings: { product: 'im.throughput', ceiling: 'ceiling.im.throughput' },
      product: { median: product.median, p99: product.p99 },
      ceiling: { median: ceiling.median, p99: ceiling.p99 },
    });
  }
  return ratios;
}

/** The settings both figures name but measured with different values: the ratio then compares unlike runs. */
function shapeDifference(product: Figure, other: Figure): Record<string, unknown> {
  const keys = ['pairs', 'window', 'watchers', 'concurrency', 'textBytes', 'inFlight'];
  const differs = keys.filter(
    (key) =>
      product.settings[key] !== undefined &&
      other.settings[key] !== undefined &&
      product.settings[key] !== other.settings[key],
  );
  if (differs.length === 0) return {};
  return {
    shapeDiffers: Object.fromEntries(differs.map((k) => [k, [product.settings[k], other.settings[k]]])),
  };
}

const lostOf = (figure: Figure) => (figure.lost === undefined ? {} : { lost: figure.lost });
