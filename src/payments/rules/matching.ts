// Duplicate detection rules: the match keys stored with each customer, and the score of a candidate pair.
// The database compares keys (trigram similarity, exact keys) through indexes; this module decides what the
// evidence means, so the same rules serve the create-time check, the full-book scan and the unit tests.

/** Legal-form words and fillers that do not identify a company ("ACME Corp." = "Acme Corporation" = "The Acme Corp, Inc."). */
const LEGAL_WORDS = new Set(
  (
    'the and of corp corporation incorporated inc co company companies ltd limited llc llp lp plc pty ' +
    'gmbh ag kg ohg mbh ug ev sa sas sarl srl spa bv nv oy ab as aps asa kk sl slu sro spzoo zoo pte bhd group holding holdings'
  ).split(' '),
);

/** Strips accents (NFKD) and lowers case: "Müller" compares with "Muller". */
export function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .toLowerCase();
}

/** Words of a text with punctuation removed; "s.a.r.l." becomes "sarl", "co," becomes "co". */
function words(text: string): string[] {
  return fold(text)
    .replace(/&/g, ' and ')
    .replace(/[.'’]/g, '')
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/**
 * The name as compared: folded, punctuation and legal forms removed, words sorted (word order does not matter).
 * A name made only of legal words keeps them, so "The Company Ltd" still has a key.
 */
export function nameKey(name: string): string {
  const all = words(name);
  const significant = all.filter((w) => !LEGAL_WORDS.has(w));
  return (significant.length ? significant : all).sort().join(' ');
}

/**
 * Descriptive words many unrelated companies share. They stay in the name key (they matter for the score) but not in
 * the core used to fetch candidates from the trigram index: a candidate search for "Zentor Logistics" would otherwise
 * read every "... Logistics" in the book.
 */
const GENERIC_WORDS = new Set(
  (
    'logistics logistik transport freight shipping services service solutions systems system software technologies technology tech ' +
    'consulting consultants international global trading trade industries industry manufacturing foods food media energy ' +
    'pharma health healthcare medical clinics labs laboratories motors automotive tools metals paper plastics textiles ' +
    'robotics optics farms construction engineering partners associates management capital investments finance financial ' +
    'insurance retail wholesale supply supplies products distribution marketing digital network networks electronics ' +
    'enterprises europe european america american north south east west new first united general national handel bau'
  ).split(' '),
);

/** The distinctive words of the name key (generic words removed; the whole key when nothing else is left). */
export function nameCore(name: string): string {
  const key = nameKey(name);
  const core = key.split(' ').filter((w) => !GENERIC_WORDS.has(w));
  return core.length ? core.join(' ') : key;
}

/** Street words and their postal abbreviation, so "6845 Kazi Street" and "6845 Kazi St." have one key. */
const STREET_WORDS: Record<string, string> = {
  street: 'st',
  str: 'st',
  strasse: 'st',
  road: 'rd',
  avenue: 'ave',
  av: 'ave',
  avn: 'ave',
  boulevard: 'blvd',
  blv: 'blvd',
  drive: 'dr',
  drv: 'dr',
  lane: 'ln',
  place: 'pl',
  plaza: 'plz',
  square: 'sq',
  suite: 'ste',
  floor: 'fl',
  court: 'ct',
  highway: 'hwy',
  parkway: 'pkwy',
  pky: 'pkwy',
  terrace: 'ter',
  terr: 'ter',
  circle: 'cir',
  crescent: 'cres',
  way: 'wy',
  building: 'bldg',
  apartment: 'apt',
  unit: 'ut',
  room: 'rm',
  route: 'rte',
  center: 'ctr',
  centre: 'ctr',
  cntr: 'ctr',
  mount: 'mt',
  heights: 'hts',
  expressway: 'expy',
  freeway: 'fwy',
  turnpike: 'tpke',
  alley: 'aly',
  trail: 'trl',
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
  northeast: 'ne',
  northwest: 'nw',
  southeast: 'se',
  southwest: 'sw',
  number: 'no',
  nr: 'no',
};

export interface AddressLike {
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  country: string;
}

/** The address as compared: folded, abbreviations unified ("Main Street" = "Main St."), with postcode and country. */
export function addressKey(address: AddressLike): string {
  const street = words(`${address.line1} ${address.line2 ?? ''}`.replace(/strasse\b|straße\b/gi, ' strasse'))
    .map((w) => STREET_WORDS[w] ?? w)
    .join(' ');
  return [
    street,
    fold(address.postalCode).replace(/[^a-z0-9]/g, ''),
    words(address.city).join(' '),
    address.country.toLowerCase(),
  ]
    .join(' ')
    .trim();
}

/** Country and postal code, the block inside which the whole-book scan compares similar names. */
export function postcodeKey(address: Pick<AddressLike, 'postalCode' | 'country'>): string {
  return `${address.country.toLowerCase()}:${fold(address.postalCode).replace(/[^a-z0-9]/g, '')}`;
}

/** Phone numbers compare on their last 9 digits (so "+49 30 1234 5678" = "030 12345678"); shorter ones never match. */
export function phoneKey(phone: string): string | null {
  const digits = phone.replace(/\D/g, '');
  return digits.length >= 7 ? digits.slice(-9) : null;
}

/** Signals a pair of records can share. Similarities are pg_trgm similarity() values from 0 to 1. */
export interface PairEvidence {
  sameTaxId: boolean;
  /** Both records carry a tax id and they differ: strong evidence of two legal entities. */
  differentTaxIds: boolean;
  sharedEmails: string[];
  sharedPhones: string[];
  nameSimilarity: number;
  addressSimilarity: number;
  /**
   * Similarity of the distinctive words (`nameCore`). The name counts as no more similar than its core: "Orbis
   * Logistics" and "Orban Logistics" are 0.68 similar by the shared generic word, but "orbis" ~ "orban" only 0.33.
   */
  coreSimilarity?: number;
  /** The name cores differ by a typo in one word (see `nameTypo`): e.g. "tugafibu" and "tuaafibu". */
  nameTypo?: boolean;
}

/**
 * Damerau-Levenshtein distance (optimal string alignment: insert, delete, substitute, swap two neighbours), stopping
 * early once it exceeds `max` (the answer is then max + 1).
 */
export function editDistance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      row.push(d);
      best = Math.min(best, d);
    }
    if (best > max) return max + 1;
    [prev2, prev] = [prev, row];
  }
  return prev[b.length]!;
}

/**
 * Whether two name cores are one name with a typo: the same words but one, and that one differs by one edit (two for
 * words of 9 letters or more). Short words and numbers never count ("acme"/"acne", "unit 12"/"unit 13" are different
 * companies far too often); identical cores are not a typo (their similarity already says so).
 */
export function nameTypo(coreA: string, coreB: string): boolean {
  if (coreA === coreB) return false;
  const [x, y] = [coreA.split(' '), coreB.split(' ')];
  if (x.length !== y.length) return false;
  const differing = x.map((w, i) => [w, y[i]!] as const).filter(([a, b]) => a !== b);
  if (differing.length !== 1) return false;
  const [a, b] = differing[0]!;
  if (/[0-9]/.test(a + b) || Math.min(a.length, b.length) < 5) return false;
  return editDistance(a, b, 2) <= (Math.min(a.length, b.length) >= 9 ? 2 : 1);
}

export interface MatchReason {
  signal: 'taxId' | 'email' | 'phone' | 'name' | 'address' | 'differentTaxIds';
  /** How much this signal contributed (0-1); negative evidence shows the factor applied. */
  weight: number;
  detail: string;
}

/** Policy data: how much each signal counts and where "probable duplicate" starts. */
export interface DuplicatePolicy {
  /** Score from which a create or change is refused with 409 until the clerk confirms. */
  probableAt: number;
  taxIdWeight: number;
  emailWeight: number;
  phoneWeight: number;
  /** Name similarity counts from this value; below it the names are considered different. */
  nameFrom: number;
  nameWeight: number;
  addressFrom: number;
  addressWeight: number;
  /** Multiplier applied when both records have different tax ids. */
  differentTaxIdFactor: number;
  /**
   * Trigram similarity of the distinctive name words (`nameCore`) from which the index returns a candidate. Lower than
   * `nameFrom` because generic words inflate the similarity of whole names: "acme logistics" ~ "acmi logistics" are
   * 0.6 similar, their cores "acme" ~ "acmi" only 0.43.
   */
  candidateCoreThreshold: number;
  /**
   * The name similarity a one-word typo counts as (trigrams punish one wrong letter in a short word hard: "tugafibu" and
   * "tuaafibu" are only 0.5 similar). Alone it stays below `probableAt`; with an identical address it is probable.
   */
  typoNameSimilarity: number;
}

export const DEFAULT_DUPLICATE_POLICY: DuplicatePolicy = {
  probableAt: 0.75,
  taxIdWeight: 0.97,
  emailWeight: 0.85,
  phoneWeight: 0.6,
  nameFrom: 0.5,
  nameWeight: 0.8,
  addressFrom: 0.5,
  addressWeight: 0.6,
  differentTaxIdFactor: 0.4,
  candidateCoreThreshold: 0.4,
  typoNameSimilarity: 0.85,
};

const round = (n: number) => Math.round(n * 1000) / 1000;

/**
 * Combines independent signals with a noisy-OR (1 - product of (1 - weight)): two moderate signals make a strong
 * match, one weak signal stays weak. Name similarity is squared so near-misses ("acne" vs "acme") fall off quickly.
 */
export function scorePair(
  evidence: PairEvidence,
  policy: DuplicatePolicy = DEFAULT_DUPLICATE_POLICY,
): { score: number; reasons: MatchReason[] } {
  const reasons: MatchReason[] = [];
  if (evidence.sameTaxId) reasons.push({ signal: 'taxId', weight: policy.taxIdWeight, detail: 'same tax id' });
  if (evidence.sharedEmails.length)
    reasons.push({
      signal: 'email',
      weight: policy.emailWeight,
      detail: `same e-mail ${evidence.sharedEmails.join(', ')}`,
    });
  if (evidence.sharedPhones.length)
    reasons.push({ signal: 'phone', weight: policy.phoneWeight, detail: 'same phone number' });
  const plain = Math.min(evidence.nameSimilarity, evidence.coreSimilarity ?? 1);
  const typo = evidence.nameTypo === true && policy.typoNameSimilarity > plain;
  const nameSimilarity = typo ? policy.typoNameSimilarity : plain;
  if (nameSimilarity >= policy.nameFrom) {
    const detail = typo
      ? `names differ by a typo in one word (counted as similarity ${round(nameSimilarity)})`
      : `name similarity ${round(nameSimilarity)}`;
    reasons.push({ signal: 'name', weight: round(policy.nameWeight * nameSimilarity ** 2), detail });
  }
  if (evidence.addressSimilarity >= policy.addressFrom) {
    reasons.push({
      signal: 'address',
      weight: round(policy.addressWeight * evidence.addressSimilarity),
      detail: `address similarity ${round(evidence.addressSimilarity)}`,
    });
  }
  let score = 1 - reasons.reduce((remaining, r) => remaining * (1 - r.weight), 1);
  if (evidence.differentTaxIds) {
    score *= policy.differentTaxIdFactor;
    reasons.push({
      signal: 'differentTaxIds',
      weight: policy.differentTaxIdFactor,
      detail: 'the records carry different tax ids',
    });
  }
  return { score: round(score), reasons };
}

export function isProbableDuplicate(score: number, policy: DuplicatePolicy = DEFAULT_DUPLICATE_POLICY): boolean {
  return score >= policy.probableAt;
}

export interface ScoredPair {
  a: string;
  b: string;
  score: number;
  reasons: MatchReason[];
}

export interface DuplicateCluster {
  /** Members sorted by id; the first is a reasonable survivor only by convention, the clerk decides. */
  customerIds: string[];
  /** The strongest pair score inside the cluster. */
  score: number;
  pairs: ScoredPair[];
}

/** Groups probable-duplicate pairs into clusters (connected components, union-find), sorted by their first id. */
export function clusterPairs(pairs: readonly ScoredPair[]): DuplicateCluster[] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    for (let node = x; node !== root; ) {
      const next = parent.get(node)!;
      parent.set(node, root);
      node = next;
    }
    return root;
  };
  for (const { a, b } of pairs) {
    for (const id of [a, b]) if (!parent.has(id)) parent.set(id, id);
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
  const clusters = new Map<string, DuplicateCluster>();
  for (const id of [...parent.keys()].sort()) {
    const root = find(id);
    const cluster = clusters.get(root) ?? { customerIds: [], score: 0, pairs: [] };
    cluster.customerIds.push(id);
    clusters.set(root, cluster);
  }
  for (const pair of pairs) {
    const cluster = clusters.get(find(pair.a))!;
    cluster.pairs.push(pair);
    cluster.score = Math.max(cluster.score, pair.score);
  }
  return [...clusters.values()].sort((x, y) => (x.customerIds[0]! < y.customerIds[0]! ? -1 : 1));
}

/**
 * The lowest name similarity at which a pair sharing no exact key (tax id, e-mail, phone) can still be a probable
 * duplicate: the best case is an identical address. The whole-book scan fetches fuzzy name pairs from this
 * similarity up, which prunes the trigram index far more than the create-time threshold without losing any pair.
 */
export function minNameSimilarityForProbable(policy: DuplicatePolicy = DEFAULT_DUPLICATE_POLICY): number {
  const probableAt = (s: number) =>
    isProbableDuplicate(
      scorePair(
        {
          sameTaxId: false,
          differentTaxIds: false,
          sharedEmails: [],
          sharedPhones: [],
          nameSimilarity: s,
          addressSimilarity: 1,
        },
        policy,
      ).score,
      policy,
    );
  if (!probableAt(1)) return 1;
  let [low, high] = [0, 1];
  for (let i = 0; i < 30; i++) {
    const mid = (low + high) / 2;
    if (probableAt(mid)) high = mid;
    else low = mid;
  }
  // Rounded down to 2 decimals so trigram similarities just above the bound are still fetched.
  return Math.max(policy.nameFrom, Math.floor(low * 100) / 100);
}
