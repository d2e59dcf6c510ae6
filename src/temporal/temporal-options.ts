/** How a process reaches Temporal and how its worker polls (`--temporal-*`), as src/options.ts assembles them. */
export interface TemporalOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  apiKeyPath?: string;
  tls: boolean;
  tlsCertPath?: string;
  tlsKeyPath?: string;
  tlsCaPath?: string;
  tlsServerName?: string;
  /** Register missing search attributes at start (`--register-search-attributes`). */
  registerSearchAttributes: boolean;
  maxActivitiesPerSecond?: number;
  maxConcurrentActivities: number;
  /** `--payload-compression-threshold`: what the payload codec compresses (absent: its default). */
  payloadCompressionThreshold?: number;
}
