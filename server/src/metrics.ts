import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { BACKPLANE_CONNECTIONS, type BackplaneConnection, LABEL, METRIC } from './metric-names.ts';
import { REJECT_REASONS, type RejectReason } from './protocol.ts';

export interface MetricsSources {
  connectedClients: () => number;
  rooms: () => number;
}

/**
 * The Prometheus metrics of one server instance, in a registry of its own so several
 * instances can live in one process (tests). Labelled series start at zero.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly messagesReceived: Counter;
  readonly messagesDelivered: Counter;
  readonly messagesRejected: Counter<typeof LABEL.reason>;
  readonly backplanePublished: Counter;
  readonly backplanePublishedBytes: Counter;
  readonly backplaneReceived: Counter;
  readonly backplaneReceivedBytes: Counter;
  readonly backplaneUp: Gauge<typeof LABEL.connection>;
  readonly backplaneDisconnects: Counter<typeof LABEL.connection>;
  readonly messageHandling: Histogram;

  constructor(
    info: { replica: string; version: string; adapter: string; deliveryDelayMs: number },
    sources: MetricsSources,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    new Gauge({
      name: METRIC.connectedClients,
      help: 'Sockets connected to this replica.',
      registers,
      collect() {
        this.set(sources.connectedClients());
      },
    });
    new Gauge({
      name: METRIC.rooms,
      help: 'Rooms with at least one member on this replica.',
      registers,
      collect() {
        this.set(sources.rooms());
      },
    });
    this.messagesReceived = new Counter({
      name: METRIC.messagesReceived,
      help: 'Chat messages accepted from clients of this replica.',
      registers,
    });
    this.messagesDelivered = new Counter({
      name: METRIC.messagesDelivered,
      help: 'Chat messages written to clients of this replica, local and from the backplane.',
      registers,
    });
    this.messagesRejected = new Counter({
      name: METRIC.messagesRejected,
      help: 'Client events rejected, by reason.',
      labelNames: [LABEL.reason],
      registers,
    });
    this.backplanePublished = new Counter({
      name: METRIC.backplanePublished,
      help: 'Messages published to Redis.',
      registers,
    });
    this.backplanePublishedBytes = new Counter({
      name: METRIC.backplanePublishedBytes,
      help: 'Bytes published to Redis.',
      registers,
    });
    this.backplaneReceived = new Counter({
      name: METRIC.backplaneReceived,
      help: 'Messages received from Redis.',
      registers,
    });
    this.backplaneReceivedBytes = new Counter({
      name: METRIC.backplaneReceivedBytes,
      help: 'Bytes received from Redis (0 in streams mode, whose reader is internal).',
      registers,
    });
    this.backplaneUp = new Gauge({
      name: METRIC.backplaneUp,
      help: '1 while the Redis connection is ready, else 0.',
      labelNames: [LABEL.connection],
      registers,
    });
    this.backplaneDisconnects = new Counter({
      name: METRIC.backplaneDisconnects,
      help: 'Times a Redis connection was lost.',
      labelNames: [LABEL.connection],
      registers,
    });
    this.messageHandling = new Histogram({
      name: METRIC.messageHandling,
      help: 'Time from a chat event arriving to its broadcast being handed to the adapter.',
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05],
      registers,
    });
    new Gauge({
      name: METRIC.replicaInfo,
      help: 'Replica id, version and backplane mode of this server; always 1.',
      labelNames: [LABEL.replica, LABEL.version, LABEL.adapter],
      registers,
    })
      .labels(info.replica, info.version, info.adapter)
      .set(1);
    new Gauge({
      name: METRIC.deliveryDelay,
      help: 'Artificial delay added to every delivery for calibration, in seconds.',
      registers,
    }).set(info.deliveryDelayMs / 1000);

    for (const reason of REJECT_REASONS) {
      this.messagesRejected.labels(reason).inc(0);
    }
    for (const connection of BACKPLANE_CONNECTIONS) {
      this.backplaneUp.labels(connection).set(0);
      this.backplaneDisconnects.labels(connection).inc(0);
    }
  }

  reject(reason: RejectReason): void {
    this.messagesRejected.labels(reason).inc();
  }

  setBackplaneUp(connection: BackplaneConnection, up: boolean): void {
    this.backplaneUp.labels(connection).set(up ? 1 : 0);
  }
}
