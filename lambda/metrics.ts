/**
 * The one definition of the custom metrics: the handlers emit them, `lib/monitoring.ts` alarms
 * on them and graphs them. Runtime side (no CDK import), so the stack imports it, never the
 * other way round.
 *
 * Each stack has its own namespace (`PicPayWebhooks/<stackName>`), passed to the functions in
 * POWERTOOLS_METRICS_NAMESPACE, so two stacks in one account never mix their metrics. The
 * `service` dimension says which function emitted a metric.
 */
export const METRICS_NAMESPACE_ENV = 'POWERTOOLS_METRICS_NAMESPACE';

/** Namespace when no stack set one (local runtime, tests). */
export const DEFAULT_METRICS_NAMESPACE = 'PicPayWebhooks';

/** The namespace a stack's functions emit to and its alarms read. */
export function metricsNamespaceFor(stackName: string): string {
  return `${DEFAULT_METRICS_NAMESPACE}/${stackName}`;
}

export function metricsNamespace(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env[METRICS_NAMESPACE_ENV]?.trim() || DEFAULT_METRICS_NAMESPACE;
}

/** Value of the `service` dimension for each function. */
export const SERVICES = {
  authenticator: 'authenticator',
  processor: 'processor',
  reconciler: 'reconciler',
  sweeper: 'sweeper',
} as const;

export type Service = (typeof SERVICES)[keyof typeof SERVICES];

export const METRICS = {
  authenticator: {
    received: 'NotificationsReceived',
    accepted: 'NotificationsAccepted',
    rejected: 'NotificationsRejected',
    tooLarge: 'PayloadTooLarge',
    tokensNotConfigured: 'TokensNotConfigured',
    enqueueFailures: 'EnqueueFailures',
    registrationsAccepted: 'RegistrationsAccepted',
  },
  processor: {
    transitions: 'Transitions',
    unrecognizedStatuses: 'UnrecognizedStatuses',
    ignoredLateEvents: 'IgnoredLateEvents',
    duplicates: 'Duplicates',
    registrations: 'Registrations',
    parked: 'ParkedNotifications',
    /** Checkout notifications PicPay's API contradicted (lambda/domain/confirm.ts): a leaked token? */
    contradicted: 'ContradictedNotifications',
    /** Notifications dated later than their receipt (lambda/domain/dates.ts): ordered by the receipt. */
    futureDated: 'FutureDatedNotifications',
    eventsPublished: 'EventsPublished',
    processingFailures: 'ProcessingFailures',
    // Failures a retry may fix, one metric per source (lambda/domain/errors.ts), each with its own alarm.
    /** PicPay unavailable: 429, 5xx, timeouts, an open circuit. */
    picpayApiErrors: 'PicPayApiErrors',
    /** DynamoDB, SNS or SQS failing or throttling. */
    awsServiceErrors: 'AwsServiceErrors',
    /** Our configuration: PicPay refused the x-picpay-token or OAuth client, or the tokens secret is unusable. */
    configurationErrors: 'ConfigurationErrors',
    probes: 'ProbesRecorded',
    /** Seconds a failed record waits before its next receive (one value per retried record). */
    retryDelay: 'RetryDelay',
    /** The retry delay could not be set: the record returns after the queue's visibility timeout. */
    retryDelayFailures: 'RetryDelayFailures',
    /** A PicPay circuit opened (a run of failed requests). */
    circuitOpened: 'PicPayCircuitOpened',
    /** Records failed at once because a PicPay circuit was open (they back off like any failure). */
    shortCircuited: 'PicPayShortCircuited',
  },
  reconciler: {
    candidates: 'ReconcileCandidates',
    enqueued: 'ReconcileEnqueued',
    retired: 'ReconcileRetired',
  },
  sweeper: {
    swept: 'OutboxSwept',
    failures: 'OutboxSweepFailures',
    /** Seconds (a Maximum, not a count). */
    oldestPendingAge: 'OutboxOldestPendingAge',
  },
} as const satisfies Record<Service, Record<string, string>>;

/**
 * Metrics the stack derives from the API's access log (a metric filter, no function involved),
 * in the same namespace, without a `service` dimension.
 */
export const ACCESS_LOG_METRICS = {
  /** Requests API Gateway answered 429: over a route's limit (PicPay's own deliveries may be among them). */
  throttled: 'ThrottledRequests',
} as const;
