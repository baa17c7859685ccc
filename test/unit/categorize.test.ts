import { describe, expect, it } from 'vitest';
import { categorizeMetric, parseCategoryTag, SUBCATEGORIES } from '#core/categorize';
import { Category } from '#core/model';

describe('the category catalogue', () => {
  it('lists subcategories for every Category of the model, and only those', () => {
    // Act
    const categories = Object.keys(SUBCATEGORIES).sort();

    // Assess
    expect(categories).toEqual([...Category.options].sort());
    for (const subcategories of Object.values(SUBCATEGORIES)) expect(subcategories.length).toBeGreaterThan(0);
  });
});

describe('categorizeMetric', () => {
  it.each([
    ['AWS/EC2', ['CPUUtilization'], 'Infrastructure', 'Compute'],
    ['AWS/EC2', ['StatusCheckFailed_System'], 'Infrastructure', 'Compute'],
    ['CWAgent', ['disk_used_percent'], 'Infrastructure', 'Storage'],
    ['AWS/AutoScaling', ['GroupInServiceInstances'], 'Infrastructure', 'Capacity'],
    ['AWS/EBS', ['VolumeQueueLength'], 'Infrastructure', 'Storage'],
    ['AWS/ECS', ['CPUUtilization'], 'Infrastructure', 'Containers'],
    ['ContainerInsights', ['pod_number_of_container_restarts'], 'Infrastructure', 'Containers'],
    ['AWS/RDS', ['DatabaseConnections'], 'Database', 'Connections'],
    ['AWS/RDS', ['ReadLatency'], 'Database', 'Performance'],
    ['AWS/RDS', ['FreeStorageSpace'], 'Database', 'Storage'],
    ['AWS/ElastiCache', ['CurrConnections'], 'Database', 'Connections'],
    ['AWS/DynamoDB', ['WriteThrottleEvents'], 'Database', 'Throttling'],
    ['AWS/DynamoDB', ['ThrottledRequests'], 'Database', 'Throttling'],
    ['AWS/ApplicationELB', ['HTTPCode_Target_5XX_Count', 'RequestCount'], 'Application', 'Errors'],
    ['AWS/ApplicationELB', ['TargetResponseTime'], 'Application', 'Latency'],
    ['AWS/ApplicationELB', ['UnHealthyHostCount'], 'Network', 'Load balancer'],
    ['AWS/CloudFront', ['5xxErrorRate'], 'Application', 'Errors'],
    ['AWS/CloudFront', ['Requests'], 'Network', 'CDN'],
    ['AWS/Route53', ['HealthCheckStatus'], 'Network', 'DNS'],
    ['AWS/NATGateway', ['ErrorPortAllocation'], 'Network', 'Connectivity'],
    ['AWS/Lambda', ['Errors'], 'Application', 'Errors'],
    ['AWS/Lambda', ['Duration'], 'Application', 'Latency'],
    ['AWS/Lambda', ['Throttles'], 'Application', 'Saturation'],
    ['AWS/States', ['ExecutionsFailed'], 'Application', 'Errors'],
    ['AWS/SQS', ['ApproximateAgeOfOldestMessage'], 'Application', 'Queue backlog'],
    ['AWS/SQS', ['ApproximateNumberOfMessagesVisible'], 'Application', 'Queue backlog'],
    ['AWS/Kinesis', ['GetRecords.IteratorAgeMilliseconds'], 'Application', 'Queue backlog'],
    ['AWS/ApiGateway', ['5XXError'], 'Application', 'Errors'],
    ['AWS/ApiGateway', ['Count'], 'Application', 'Availability'],
    ['Checkout/Orders', ['OrdersPlaced'], 'Application', 'Availability'],
    ['Checkout/Orders', ['PaymentErrorRate'], 'Application', 'Errors'],
    ['Checkout/Workers', ['MemoryUsed'], 'Application', 'Saturation'],
  ])('%s %j → %s/%s', (namespace, metricNames, category, subcategory) => {
    // Act
    const result = categorizeMetric({ namespace, metricNames });

    // Assess
    expect(result).toEqual({ category, subcategory });
  });

  it('files an alarm with no metric (a composite) under Application/Availability', () => {
    // Act
    const result = categorizeMetric({ metricNames: [] });

    // Assess
    expect(result).toEqual({ category: 'Application', subcategory: 'Availability' });
  });

  it('only ever answers with a subcategory from the catalogue', () => {
    // Prepare
    const inputs = [
      { namespace: 'AWS/RDS', metricNames: ['CPUUtilization'] },
      { namespace: 'AWS/EKS', metricNames: ['node_cpu_utilization'] },
      { namespace: 'AWS/TransitGateway', metricNames: ['PacketDropCountNoRoute'] },
    ];

    // Act
    const results = inputs.map(categorizeMetric);

    // Assess
    for (const { category, subcategory } of results) {
      expect(SUBCATEGORIES[category] as readonly string[]).toContain(subcategory);
    }
  });
});

describe('parseCategoryTag', () => {
  it.each([
    ['Security', { category: 'Security', subcategory: 'Threat detection' }],
    ['database/connections', { category: 'Database', subcategory: 'Connections' }],
    ['CLOUD SERVICES / scheduled change', { category: 'Cloud Services', subcategory: 'Scheduled change' }],
    ['network/DNS', { category: 'Network', subcategory: 'DNS' }],
  ])('reads %j', (value, expected) => {
    // Act
    const result = parseCategoryTag(value);

    // Assess
    expect(result).toEqual(expected);
  });

  it('keeps the fallback subcategory when the tag names the same category only', () => {
    // Act
    const result = parseCategoryTag('database', { category: 'Database', subcategory: 'Throttling' });

    // Assess
    expect(result).toEqual({ category: 'Database', subcategory: 'Throttling' });
  });

  it('uses the default subcategory when the tag moves the alarm to another category', () => {
    // Act
    const result = parseCategoryTag('Network', { category: 'Database', subcategory: 'Throttling' });

    // Assess
    expect(result).toEqual({ category: 'Network', subcategory: 'Connectivity' });
  });

  it.each(['', 'Finance', 'Database/Billing', 'Security/', '/Compute'])('refuses %j', (value) => {
    // Act
    const result = parseCategoryTag(value);

    // Assess
    expect(result).toBeUndefined();
  });
});
