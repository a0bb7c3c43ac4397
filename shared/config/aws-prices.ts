/**
 * AWS list prices in us-east-1 (US East, N. Virginia), on demand, without free tiers or volume discounts:
 * what one order costs at the price anyone pays from the first request. Read by the cost meter
 * (local/metering.ts) and `npm run cost` (bench/cost.ts).
 *
 * Taken on 2026-11-26: the figures of the public pricing pages named beside each entry as issue 9 lists them
 * (Lambda's cross-checked against a stored copy of its page; none fetched live). A price change means
 * editing this table and its date, nothing else.
 */
export const awsPrices = {
  takenOn: '2026-11-26',
  region: 'us-east-1',
  /** "AWS Lambda pricing": Arm (arm64) price, first tier (first 7.5 billion GB-s a month). */
  lambda: {
    perMillionRequests: 0.2,
    perGbSecondArm64: 0.0000133334,
    /** Duration is billed in 1 ms increments. */
    durationIncrementMs: 1,
  },
  /**
   * "Amazon DynamoDB pricing for on-demand capacity", Standard table class, after the price cut of
   * 2024-11-01. A transactional write costs 2 WRU per KB and a transactional read 2 RRU per 4 KB; those are
   * units, not prices, so they are counted by the meter, not here.
   */
  dynamodb: {
    perMillionWriteRequestUnits: 0.625,
    perMillionReadRequestUnits: 0.125,
  },
  /** "AWS Step Functions pricing". */
  stepFunctions: {
    standardPerThousandTransitions: 0.025,
    expressPerMillionRequests: 1.0,
    /** First tier (first 1,000 K GB-hours a month). */
    expressPerGbSecond: 0.00001667,
    /** Express duration is billed in 100 ms increments and memory in 64 MB chunks. */
    expressDurationIncrementMs: 100,
    expressMemoryIncrementMb: 64,
  },
  /** "Amazon EventBridge pricing": custom events published to an event bus, per 64 KB chunk of an entry. */
  eventBridge: {
    perMillionCustomEvents: 1.0,
    eventChunkBytes: 64 * 1024,
  },
  /** "Amazon SQS pricing": standard queues past the free tier; each 64 KB chunk of payload is one request. */
  sqs: {
    perMillionRequests: 0.4,
    requestChunkBytes: 64 * 1024,
  },
  /** "Amazon API Gateway pricing": HTTP APIs, first 300 million requests a month, per 512 KB of request. */
  apiGateway: {
    perMillionHttpRequests: 1.0,
    requestChunkBytes: 512 * 1024,
  },
  /** "Amazon S3 pricing": S3 Standard requests (PUT, COPY, POST, LIST / GET, SELECT and all other). */
  s3: {
    perThousandPuts: 0.005,
    perThousandGets: 0.0004,
  },
  /** "AWS Systems Manager pricing": GetParameter on standard parameters with standard throughput is free. */
  ssm: {
    perMillionStandardGetParameter: 0,
  },
} as const;

type Widen<T> = { [K in keyof T]: T[K] extends number ? number : T[K] extends string ? string : Widen<T[K]> };

/** The shape of the table, so a test or a what-if can price the same usage with other figures. */
export type AwsPrices = Widen<typeof awsPrices>;

/**
 * DEVELOPERS.md's cost standard: the target per million orders, and the naive design's figure it quotes for
 * context.
 */
export const costTargets = {
  targetPerMillionOrders: 75,
  naiveDesignPerMillionOrders: 340,
} as const;
