import type { Category } from '#core/model';

/** The subcategories each category may carry; the first one is the default when only the category is known. */
export const SUBCATEGORIES = {
  Infrastructure: ['Compute', 'Containers', 'Storage', 'Capacity'],
  Application: ['Availability', 'Errors', 'Latency', 'Queue backlog', 'Saturation'],
  Security: ['Threat detection', 'Compliance', 'Vulnerability', 'Access'],
  Database: ['Performance', 'Connections', 'Throttling', 'Storage', 'Availability'],
  Network: ['Connectivity', 'Load balancer', 'DNS', 'CDN'],
  'Cloud Services': ['Service issue', 'Scheduled change', 'Account notification'],
} as const satisfies Record<Category, readonly string[]>;

export type Subcategory<C extends Category = Category> = (typeof SUBCATEGORIES)[C][number];

export interface Categorization {
  category: Category;
  subcategory: string;
}

const CATEGORIES = Object.keys(SUBCATEGORIES) as Category[];

function at<C extends Category>(category: C, subcategory: Subcategory<C>): Categorization {
  return { category, subcategory };
}

/** Where a CloudWatch namespace lands before its metric names say more. */
const NAMESPACES: Readonly<Record<string, Categorization>> = {
  'AWS/EC2': at('Infrastructure', 'Compute'),
  CWAgent: at('Infrastructure', 'Compute'),
  'AWS/AutoScaling': at('Infrastructure', 'Capacity'),
  'AWS/EBS': at('Infrastructure', 'Storage'),
  'AWS/EFS': at('Infrastructure', 'Storage'),
  'AWS/S3': at('Infrastructure', 'Storage'),
  'AWS/ECS': at('Infrastructure', 'Containers'),
  'AWS/EKS': at('Infrastructure', 'Containers'),
  ContainerInsights: at('Infrastructure', 'Containers'),
  'AWS/RDS': at('Database', 'Performance'),
  'AWS/DynamoDB': at('Database', 'Performance'),
  'AWS/ElastiCache': at('Database', 'Performance'),
  'AWS/Redshift': at('Database', 'Performance'),
  'AWS/DocDB': at('Database', 'Performance'),
  'AWS/Neptune': at('Database', 'Performance'),
  'AWS/MemoryDB': at('Database', 'Performance'),
  'AWS/ApplicationELB': at('Network', 'Load balancer'),
  'AWS/NetworkELB': at('Network', 'Load balancer'),
  'AWS/ELB': at('Network', 'Load balancer'),
  'AWS/CloudFront': at('Network', 'CDN'),
  'AWS/Route53': at('Network', 'DNS'),
  'AWS/NATGateway': at('Network', 'Connectivity'),
  'AWS/VPN': at('Network', 'Connectivity'),
  'AWS/TransitGateway': at('Network', 'Connectivity'),
  'AWS/SQS': at('Application', 'Queue backlog'),
  'AWS/Kinesis': at('Application', 'Queue backlog'),
  'AWS/Lambda': at('Application', 'Availability'),
  'AWS/States': at('Application', 'Availability'),
  'AWS/SNS': at('Application', 'Availability'),
  'AWS/Events': at('Application', 'Availability'),
  'AWS/ApiGateway': at('Application', 'Availability'),
};

/** Custom namespaces are the application's own metrics; composites (no metric) judge a whole service. */
const APPLICATION_DEFAULT = at('Application', 'Availability');

interface MetricRule {
  pattern: RegExp;
  /** The namespace categories the rule applies to; all when absent. */
  within?: readonly Category[];
  result: Categorization;
}

/**
 * Metric names that say more than their namespace, first match wins. `within` keeps a rule where its
 * meaning is clear: RDS `ReadLatency` is database performance, not application latency.
 */
const METRIC_RULES: readonly MetricRule[] = [
  { pattern: /5xx/i, result: at('Application', 'Errors') },
  {
    pattern: /Error|Fault|Failed|TimedOut/,
    within: ['Application'],
    result: at('Application', 'Errors'),
  },
  {
    pattern: /Latency|TargetResponseTime|ResponseTime|Duration/,
    within: ['Application', 'Network'],
    result: at('Application', 'Latency'),
  },
  {
    pattern: /^(ApproximateAgeOfOldestMessage|ApproximateNumberOfMessagesVisible|.*IteratorAge.*)$/,
    result: at('Application', 'Queue backlog'),
  },
  { pattern: /Connections$/, within: ['Database'], result: at('Database', 'Connections') },
  { pattern: /Throttle/i, within: ['Database'], result: at('Database', 'Throttling') },
  {
    pattern: /FreeStorageSpace|FreeLocalStorage|VolumeBytesUsed/,
    within: ['Database'],
    result: at('Database', 'Storage'),
  },
  {
    pattern: /Throttle|ConcurrentExecutions|CPU|Memory/i,
    within: ['Application'],
    result: at('Application', 'Saturation'),
  },
  {
    pattern: /disk|VolumeQueueLength|BurstBalance/i,
    within: ['Infrastructure'],
    result: at('Infrastructure', 'Storage'),
  },
];

/** Category of a CloudWatch alarm from its metrics' namespace, refined by metric name where that is obvious. */
export function categorizeMetric(input: { namespace?: string; metricNames: string[] }): Categorization {
  const base =
    input.namespace === undefined
      ? APPLICATION_DEFAULT
      : (NAMESPACES[input.namespace] ?? APPLICATION_DEFAULT);
  for (const rule of METRIC_RULES) {
    if (rule.within && !rule.within.includes(base.category)) continue;
    if (input.metricNames.some((name) => rule.pattern.test(name))) return { ...rule.result };
  }
  return { ...base };
}

/** The catalogue's own spelling of a category, matched case-insensitively. */
export function findCategory(value: string): Category | undefined {
  const wanted = value.trim().toLowerCase();
  return CATEGORIES.find((category) => category.toLowerCase() === wanted);
}

/** The catalogue's own spelling of a subcategory of `category`, matched case-insensitively. */
export function findSubcategory(category: Category, value: string): string | undefined {
  const wanted = value.trim().toLowerCase();
  const known: readonly string[] = SUBCATEGORIES[category];
  return known.find((subcategory) => subcategory.toLowerCase() === wanted);
}

/**
 * Reads a `firebreak:category` tag: `Category` or `Category/Subcategory`, case-insensitive, from the
 * catalogue only. Without a subcategory it keeps `fallback`'s when the categories agree (the tag confirms
 * what the metric said), else the category's default. Undefined when the value is not in the catalogue.
 */
export function parseCategoryTag(value: string, fallback?: Categorization): Categorization | undefined {
  const slash = value.indexOf('/');
  const category = findCategory(slash === -1 ? value : value.slice(0, slash));
  if (!category) return undefined;
  if (slash !== -1) {
    const subcategory = findSubcategory(category, value.slice(slash + 1));
    return subcategory ? { category, subcategory } : undefined;
  }
  if (fallback?.category === category) return { category, subcategory: fallback.subcategory };
  return { category, subcategory: SUBCATEGORIES[category][0] };
}
