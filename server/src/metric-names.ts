/**
 * Names of the chat server's own Prometheus metrics and their labels, in base units.
 * Dashboards, the load generator and tests import these rather than repeating strings.
 * Node's default metrics (process_cpu_seconds_total, process_resident_memory_bytes,
 * nodejs_eventloop_lag_p99_seconds, nodejs_heap_size_used_bytes, ...) come from
 * prom-client's collectDefaultMetrics under their usual names.
 */
export const METRIC = {
  /** Gauge: sockets connected to this replica. */
  connectedClients: 'chat_connected_clients',
  /** Gauge: rooms with at least one member on this replica. */
  rooms: 'chat_rooms',
  /** Counter: chat messages accepted from this replica's clients. */
  messagesReceived: 'chat_messages_received_total',
  /** Counter: chat messages written to this replica's clients, local and from the backplane. */
  messagesDelivered: 'chat_messages_delivered_total',
  /** Counter, label `reason`: client events rejected. */
  messagesRejected: 'chat_messages_rejected_total',
  /** Counter: messages this replica published to Redis. */
  backplanePublished: 'chat_backplane_published_messages_total',
  /** Counter: bytes this replica published to Redis. */
  backplanePublishedBytes: 'chat_backplane_published_bytes_total',
  /** Counter: messages this replica received from Redis. */
  backplaneReceived: 'chat_backplane_received_messages_total',
  /** Counter: bytes this replica received from Redis. */
  backplaneReceivedBytes: 'chat_backplane_received_bytes_total',
  /** Gauge, label `connection`: 1 while that Redis connection is ready, else 0. */
  backplaneUp: 'chat_backplane_up',
  /** Counter, label `connection`: times a Redis connection was lost. */
  backplaneDisconnects: 'chat_backplane_disconnects_total',
  /** Histogram: time from a chat event's arrival to its broadcast being handed to the adapter. */
  messageHandling: 'chat_message_handling_seconds',
  /** Gauge, labels `replica`, `version`, `adapter`: always 1. */
  replicaInfo: 'chat_replica_info',
  /** Gauge: artificial delay added to every delivery, in seconds (0 unless calibrating). */
  deliveryDelay: 'chat_delivery_delay_seconds',
} as const;

export const LABEL = {
  reason: 'reason',
  connection: 'connection',
  replica: 'replica',
  version: 'version',
  adapter: 'adapter',
} as const;

/** The two Redis connections every adapter mode uses. */
export const BACKPLANE_CONNECTIONS = ['publisher', 'subscriber'] as const;
export type BackplaneConnection = (typeof BACKPLANE_CONNECTIONS)[number];
