/**
 * A broker, wired (Kafka's KafkaServer): the one place where its parts meet. Startup runs in
 * Kafka's order: ZooKeeper session and base paths, cluster id checked against every log dir's
 * meta.properties, logs opened, request handling and a socket server per listener up, registration
 * in /brokers/ids with every advertised endpoint, then the race for /controller and the background
 * tasks. Shutdown undoes it in reverse, after asking the controller to move this broker's
 * leaderships away.
 */
import * as fs from 'fs';
import type { TlsOptions } from 'tls';
import { Connection } from './client/connection';
import { Consumer } from './client/consumer';
import { systemClock, type Clock } from './common/clock';
import type { BrokerConfig } from './common/config';
import { brokerLogConfig, logCleanerConfig } from './server/broker-log-config';
import { formatAddresses, type ListenerEndpoint } from './common/endpoint';
import { usesSasl, usesTls } from './common/listener-config';
import { ErrorCode } from './common/errors';
import { createLogger, type Logger } from './common/logger';
import { BrokerIdTakenError, registerBroker } from './coordination/broker-registry';
import { getOrCreateClusterId } from './coordination/cluster-id';
import { notifyIsrChange, writeLeaderAndIsr } from './coordination/isr-change';
import { propagateLogDirEvent } from './coordination/log-dir-event-notification';
import { Controller } from './coordination/controller/controller';
import { ZkPaths, basePaths } from './coordination/paths';
import { ZkTopicAdmin } from './admin/topic-admin';
import { ZkClient } from './coordination/zk-client';
import { ZkConnectTimeoutError, ZkNoAuthError, ZkNoNodeError } from './coordination/zk-errors';
import { parseTopicConfig } from './coordination/znodes';
import type { GroupCoordinator, GroupCoordinatorSettings } from './group/group-coordinator';
import { createGroupCoordinator } from './group/group-coordinator-wiring';
import { ApiKey } from './protocol/api-keys';
import type { TopicPartition } from './protocol/messages';
import { controlledShutdown } from './server/controlled-shutdown';
import { Dispatcher } from './server/dispatcher';
import { registerBrokerHandlers } from './server/handlers';
import type { ControllerPort } from './server/handlers/ports';
import { checkLogDirIdentity, writeLogDirIdentity } from './server/log-dir-identity';
import { MetadataCache } from './server/metadata-cache';
import { OpenFileWatchdog } from './server/open-file-watchdog';
import { DynamicConfigManager } from './server/dynamic-config';
import { requestAuthorizer } from './server/handlers/authorization';
import { AclAuthorizer } from './security/acl-authorizer';
import type { SaslAuthenticatorOptions } from './security/sasl-authenticator';
import { newSaslServer } from './security/sasl-server';
import { CredentialCache } from './security/scram-credentials';
import { tlsServerOptions } from './security/tls-options';
import type { ClientSecurity, TlsClientSettings } from './client/client-security';
import { ReplicaManager } from './server/replica-manager';
import { ReplicationThrottles } from './server/replication-throttles';
import { SocketServer } from './server/socket-server';
import { BrokerStartupError } from './server/startup-error';
import { isOutOfFileDescriptors, segmentFileHandles } from './storage/file-handle-cache';
import { LogDirFailureChannel } from './storage/log-dir-failure';
import { LogManager } from './storage/log-manager';
import type { BrokerMetrics } from './metrics/broker-metrics';
import { createBrokerMetrics } from './metrics/broker-metrics-wiring';
import { MetricsServer } from './metrics/metrics-server';
import { ZkSessionStats } from './metrics/zk-session-stats';

export { BrokerStartupError } from './server/startup-error';

export interface BrokerOptions {
  config: BrokerConfig;
  logger?: Logger;
  clock?: Clock;
  /** Group coordinator timings (Kafka's group.* settings); Kafka's defaults otherwise. */
  groupCoordinatorSettings?: Partial<GroupCoordinatorSettings>;
  /** Called once the broker stopped by itself because every log dir failed (Kafka halts the process then). */
  onHalt?: (reason: string) => void;
}

type BrokerState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Between attempts to write a log dir event notification while ZooKeeper is unreachable. */
const logDirEventRetryBackoffMs = 1_000;

/** Beyond the session timeout, how long a stale registration may take to vanish. */
const staleSessionMarginMs = 5_000;

/** How long a scrape waits for other leaders' high watermarks (consumer lag) before leaving them out. */
const lagEndOffsetsTimeoutMs = 2_000;

/**
 * How this broker secures its own connections to other brokers (replica fetchers, the controller's
 * channel, controlled shutdown), as Kafka configures its inter-broker clients: the inter-broker
 * listener's security protocol; TLS trusting ssl.truststore.location and presenting the broker's own
 * PEM keystore when the listener asks for a certificate (a PKCS12 one is not presented); SASL with
 * sasl.mechanism.inter.broker.protocol as the login of that listener's JAAS entry, which config.ts
 * made sure exists. Brokers then act as User:<that login>. Undefined on PLAINTEXT; reads the PEM files.
 */
function interBrokerClientSecurity(config: BrokerConfig): ClientSecurity | undefined {
  const protocol = config.securityInterBrokerProtocol;
  if (protocol === 'PLAINTEXT') return undefined;
  const security: ClientSecurity = {};
  if (usesTls(protocol)) {
    const read = (file: string | null): Buffer | undefined => (file === null ? undefined : fs.readFileSync(file));
    const keystore = config.sslKeystoreType === 'PEM' ? read(config.sslKeystoreLocation) : undefined;
    const tls: TlsClientSettings = { ca: read(config.sslTruststoreLocation), cert: keystore, key: keystore, passphrase: config.sslKeyPassword ?? undefined };
    security.tls = tls;
  }
  if (usesSasl(protocol)) {
    const mechanism = config.saslMechanismInterBrokerProtocol as string;
    security.sasl = { mechanism, ...config.saslLogins[config.interBrokerListenerName][mechanism] };
  }
  return security;
}

/** A topic's overrides in /config/topics/<topic>; none when the znode is absent. */
async function readTopicConfig(zk: ZkClient, topic: string): Promise<Record<string, string>> {
  try {
    const { data } = await zk.getData(ZkPaths.topicConfig(topic));
    return parseTopicConfig(ZkPaths.topicConfig(topic), data);
  } catch (err) {
    if (err instanceof ZkNoNodeError) return {};
    throw err;
  }
}

export class Broker {
  readonly brokerId: number;
  private readonly config: BrokerConfig;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly metadataCache: MetadataCache;
  private state: BrokerState = 'new';
  private zk: ZkClient | undefined;
  private logManager: LogManager | undefined;
  private replicaManager: ReplicaManager | undefined;
  /** One per listener, by listener name. */
  private readonly socketServers = new Map<string, SocketServer>();
  private controller: Controller | undefined;
  private groupCoordinator: GroupCoordinator | undefined;
  private dynamicConfig: DynamicConfigManager | undefined;
  /** Kafka's AclAuthorizer, when authorizer.class.name names it. */
  private authorizer: AclAuthorizer | undefined;
  private readonly groupCoordinatorSettings: Partial<GroupCoordinatorSettings> | undefined;
  private clusterId: string | null = null;
  private brokerEpoch = -1;
  /** The port each listener bound, by listener name. */
  private readonly boundPorts = new Map<string, number>();
  /** Every user's SCRAM credentials, from /config/users, for the SASL listeners. */
  private readonly credentialCache = new CredentialCache();
  /** TLS and SASL of this broker's connections to the inter-broker listener (read at startup). */
  private interBrokerSecurity: ClientSecurity | undefined;
  private shutdownDone: Promise<void> | undefined;
  private readonly zkSession = new ZkSessionStats();
  private metrics: BrokerMetrics | undefined;
  private metricsServer: MetricsServer | undefined;
  /** Asks other leaders for high watermarks when consumer lag is scraped; made at the first scrape that needs it. */
  private lagConsumer: Consumer | undefined;
  /** The port metrics.port bound (it may say 0), undefined without metrics. */
  metricsBoundPort: number | undefined;
  private openFileWatchdog: OpenFileWatchdog | undefined;

  constructor(private readonly options: BrokerOptions) {
    this.config = options.config;
    this.brokerId = options.config.brokerId;
    this.logger = options.logger ?? createLogger(`broker.${this.brokerId}`);
    this.clock = options.clock ?? systemClock;
    this.metadataCache = new MetadataCache();
    this.groupCoordinatorSettings = options.groupCoordinatorSettings;
  }

  /** Where clients and brokers reach this broker: advertised.listeners, a port 0 replaced by the one its listener bound (as Kafka does). */
  get advertisedEndpoints(): ListenerEndpoint[] {
    return this.config.advertisedListeners.map((e) => (e.port === 0 ? { ...e, port: this.boundPorts.get(e.listenerName) ?? 0 } : e));
  }

  get isController(): boolean {
    return this.controller?.isActive ?? false;
  }

  async startup(): Promise<void> {
    if (this.state !== 'new') throw new Error(`broker ${this.brokerId} was already started`);
    this.state = 'starting';
    const started = Date.now();
    try {
      this.interBrokerSecurity = interBrokerClientSecurity(this.config);
    } catch (err) {
      throw new BrokerStartupError(`inter-broker listener ${this.config.interBrokerListenerName}: ${(err as Error).message}`);
    }
    const zk = await this.connectZooKeeper();
    await this.ensureBasePaths(zk);
    this.clusterId = await getOrCreateClusterId(zk);
    const missingIdentity = checkLogDirIdentity(this.config.logDirs, this.brokerId, this.clusterId, this.config.zookeeperConnect);
    const logDirFailures = new LogDirFailureChannel(this.logger.child('log-dir-failure'));
    segmentFileHandles.resize(this.config.logMaxOpenFiles);
    this.logManager = LogManager.open(this.config.logDirs, brokerLogConfig(this.config), {
      clock: this.clock,
      logger: this.logger.child('log-manager'),
      retentionCheckIntervalMs: this.config.logRetentionCheckIntervalMs,
      checkpointIntervalMs: this.config.logFlushOffsetCheckpointIntervalMs,
      logDirFailureChannel: logDirFailures,
      cleaner: logCleanerConfig(this.config),
    });
    if (this.logManager.liveLogDirs.length === 0) {
      throw new BrokerStartupError(`every log dir is offline (${logDirFailures.offlineLogDirs().join(', ')}): see the errors above`);
    }
    writeLogDirIdentity(missingIdentity, this.brokerId, this.clusterId);
    const throttles = new ReplicationThrottles({ brokerId: this.brokerId, clock: this.clock, logger: this.logger.child('replica-manager') });
    this.replicaManager = new ReplicaManager({
      config: this.config,
      logManager: this.logManager,
      clock: this.clock,
      logger: this.logger.child('replica-manager'),
      isKnownPartition: (topic, partition) => this.metadataCache.hasPartition(topic, partition),
      isAliveBroker: (brokerId) => this.metadataCache.hasAliveBroker(brokerId),
      topicConfigOverrides: (topic) => readTopicConfig(zk, topic),
      isrStore: {
        write: (tp, state, zkVersion) => writeLeaderAndIsr(zk, tp, state, zkVersion),
        notify: (partitions) => notifyIsrChange(zk, partitions),
      },
      fetcherConnect: (leader) => Connection.connect(leader.host, leader.port, {
        clientId: `broker-${this.brokerId}-fetcher`,
        requestTimeoutMs: this.config.replicaSocketTimeoutMs,
        security: this.interBrokerSecurity,
        logger: this.logger.child(`fetcher-connection-${leader.nodeId}`),
      }),
      throttles,
    });
    logDirFailures.onOfflineLogDir((logDir) => void this.onLogDirFailure(zk, logDir));
    this.groupCoordinator = createGroupCoordinator({
      replicaManager: this.replicaManager, config: this.config, logger: this.logger.child('group-coordinator'), clock: this.clock, settings: this.groupCoordinatorSettings,
    });
    if (this.config.metricsPort !== null) this.metrics = this.createMetrics(zk, this.replicaManager, this.groupCoordinator);
    this.openFileWatchdog = new OpenFileWatchdog({
      fileHandles: segmentFileHandles, logger: this.logger.child('open-file-watchdog'), onExhausted: (reason) => void this.halt(reason),
    });
    if (this.config.authorizerClassName !== null) {
      // The ACL cache is full before the first request is read, as Kafka configures its authorizer first.
      this.authorizer = new AclAuthorizer(zk, {
        superUsers: new Set(this.config.superUsers), allowEveryoneIfNoAclFound: this.config.allowEveryoneIfNoAclFound,
      }, this.logger.child('authorizer'), this.clock);
      await this.authorizer.startup();
    }
    await this.startSocketServers();
    await this.startMetricsServer();
    await this.register(zk);
    this.openFileWatchdog.start();
    this.controller = new Controller({
      zk, brokerId: this.brokerId, uncleanLeaderElectionEnable: this.config.uncleanLeaderElectionEnable,
      interBrokerListenerName: this.config.interBrokerListenerName,
      logger: this.logger.child('controller'), clock: this.clock,
      brokerConnect: (broker) => Connection.connect(broker.host, broker.port, {
        clientId: `controller-${this.brokerId}`, requestTimeoutMs: this.config.controllerSocketTimeoutMs, security: this.interBrokerSecurity,
        logger: this.logger.child('controller').child('channel'),
      }),
      // What this broker last heard of the leaders orders a failover's reads: those of the dead first.
      leaderlessHint: (liveBrokerIds) => this.metadataCache.partitionsLedOutside(liveBrokerIds),
      autoLeaderRebalance: { enable: this.config.autoLeaderRebalanceEnable, checkIntervalMs: this.config.leaderImbalanceCheckIntervalSeconds * 1000, imbalancePerBrokerPercentage: this.config.leaderImbalancePerBrokerPercentage },
    });
    // The controller races again by itself after an expiry; the registration is ours to renew.
    zk.on('expired', () => void this.onSessionExpired(zk));
    this.watchSessionLoss(zk);
    await this.controller.startup();
    // Retention and the log cleaner stop at each partition's high watermark (Kafka's rule).
    this.logManager.startBackgroundTasks(this.replicaManager.highWatermarkOf);
    this.replicaManager.startup();
    // Topic and broker configs changed with `josef topic alter` or a reassignment throttle apply live.
    this.dynamicConfig = new DynamicConfigManager({
      zk,
      brokerId: this.brokerId,
      target: {
        applyTopicConfig: (topic, config) => {
          throttles.applyTopicConfig(topic, config);
          this.replicaManager?.applyTopicConfig(topic, config);
        },
        applyBrokerConfig: (config) => throttles.applyBrokerConfig(config),
        applyUserConfig: (user, config) => this.credentialCache.update(user, config),
      },
      clock: this.clock,
      logger: this.logger.child('dynamic-config'),
    });
    await this.dynamicConfig.startup();
    this.state = 'running';
    this.logger.info(`started in ${Date.now() - started} ms: ${formatAddresses(this.advertisedEndpoints)}, cluster ${this.clusterId}, broker epoch ${this.brokerEpoch}, log dirs ${this.config.logDirs.join(',')}`);
  }

  private async connectZooKeeper(): Promise<ZkClient> {
    const { zookeeperConnect, zookeeperSessionTimeoutMs, zookeeperConnectionTimeoutMs } = this.config;
    try {
      this.zk = await ZkClient.connect({
        connectString: zookeeperConnect,
        sessionTimeoutMs: zookeeperSessionTimeoutMs,
        connectionTimeoutMs: zookeeperConnectionTimeoutMs,
        security: { credentials: this.config.zookeeperAuthDigest ?? undefined, setAcl: this.config.zookeeperSetAcl },
        logger: this.logger.child('zk'),
      });
      return this.zk;
    } catch (err) {
      if (err instanceof ZkConnectTimeoutError) {
        throw new BrokerStartupError(`cannot reach ZooKeeper at ${zookeeperConnect} within ${zookeeperConnectionTimeoutMs} ms (zookeeper.connect): is it running? (josef zk start)`);
      }
      throw err;
    }
  }

  /**
   * The broker's first writes: Kafka's top-level paths (createTopLevelPaths). Refused there, the
   * ensemble's znodes belong to another ZooKeeper identity (zookeeper.set.acl): the broker could
   * neither register nor lead, so it does not start.
   */
  private async ensureBasePaths(zk: ZkClient): Promise<void> {
    try {
      for (const basePath of basePaths) await zk.mkdirp(basePath);
    } catch (err) {
      if (!(err instanceof ZkNoAuthError)) throw err;
      throw new BrokerStartupError(`ZooKeeper refused ${err.op} ${err.path ?? ''} (NOAUTH): its znodes are writable only by the identity that created them, ` +
        `and this broker is ${zk.identity}: give it that identity's zookeeper.auth.digest`);
    }
  }

  /** One dispatcher, and a socket server per listener whose requests say which listener they came in on. */
  private async startSocketServers(): Promise<void> {
    const dispatcher = new Dispatcher(this.logger.child('dispatcher'));
    const topicAdmin = new ZkTopicAdmin(this.zk as ZkClient, undefined, {
      maxBrokerPartitions: this.config.maxBrokerPartitions,
      replicasPerBroker: () => this.metadataCache.replicasPerBroker(),
    });
    registerBrokerHandlers(dispatcher, {
      config: this.config,
      metadataCache: this.metadataCache,
      replicaManager: this.replicaManager as ReplicaManager,
      topicAdmin,
      configAdmin: topicAdmin,
      partitionAdmin: topicAdmin,
      clusterId: () => this.clusterId,
      controller: (): ControllerPort | undefined => this.controller,
      logger: this.logger.child('handlers'),
      groupCoordinator: this.groupCoordinator,
      authorize: requestAuthorizer(this.authorizer),
    });
    for (const { listenerName, securityProtocol, host, port } of this.config.listeners) {
      const socketServer = new SocketServer({
        host, port, dispatcher, listenerName, logger: this.logger.child(`socket-server-${listenerName}`), maxRequestBytes: this.config.socketRequestMaxBytes,
        requestObserver: this.metrics?.requests.observe,
        onListenerError: (err) => {
          if (isOutOfFileDescriptors(err)) this.openFileWatchdog?.check();
        },
        sasl: usesSasl(securityProtocol) ? this.saslOptions(listenerName) : undefined,
        tls: usesTls(securityProtocol) ? this.tlsOptions(listenerName) : undefined,
        failedAuthenticationDelayMs: this.config.connectionFailedAuthenticationDelayMs,
      });
      try {
        this.boundPorts.set(listenerName, await socketServer.start());
      } catch (err) {
        const inUse = /EADDRINUSE/.test((err as Error).message);
        throw new BrokerStartupError(inUse
          ? `port ${port} on ${host} is in use (listener ${listenerName} of listeners): another broker or program holds it; choose another in listeners (or with --port, for a broker's only listener)`
          : `listener ${listenerName}: ${(err as Error).message}`);
      }
      this.socketServers.set(listenerName, socketServer);
    }
  }

  private createMetrics(zk: ZkClient, replicaManager: ReplicaManager, groupCoordinator: GroupCoordinator): BrokerMetrics {
    this.zkSession.watch(zk);
    return createBrokerMetrics({
      brokerId: this.brokerId,
      replicaManager,
      controller: () => this.controller,
      zkSession: this.zkSession,
      groupCoordinator,
      remoteEndOffsets: (partitions) => {
        // Through the listener brokers use between them, as the replica fetchers do.
        const { host, port } = this.advertisedEndpoints.find((e) => e.listenerName === this.config.interBrokerListenerName) ?? this.advertisedEndpoints[0];
        this.lagConsumer ??= new Consumer({
          bootstrapServers: `${host}:${port}`, clientId: `broker-${this.brokerId}-metrics`, requestTimeoutMs: lagEndOffsetsTimeoutMs,
          security: this.interBrokerSecurity, logger: this.logger.child('metrics-consumer'),
        });
        return this.lagConsumer.endOffsets(partitions, lagEndOffsetsTimeoutMs);
      },
    });
  }

  /** metrics.port: the Prometheus endpoint, on the host of the first listener. */
  private async startMetricsServer(): Promise<void> {
    const port = this.config.metricsPort;
    if (this.metrics === undefined || port === null) return;
    const { host } = this.config.listeners[0];
    this.metricsServer = new MetricsServer(this.metrics, this.logger.child('metrics'));
    try {
      this.metricsBoundPort = await this.metricsServer.start(host, port);
    } catch (err) {
      this.metricsServer = undefined;
      const inUse = /EADDRINUSE/.test((err as Error).message);
      throw new BrokerStartupError(inUse ? `port ${port} on ${host} is in use (metrics.port): choose another` : `metrics.port: ${(err as Error).message}`);
    }
    this.logger.info(`metrics at http://${host}:${this.metricsBoundPort}/metrics`);
  }

  /** A TLS listener's key and certificates, read from the files ssl.* name. */
  private tlsOptions(listenerName: string): TlsOptions {
    try {
      return tlsServerOptions(this.config);
    } catch (err) {
      throw new BrokerStartupError(`listener ${listenerName}: ${(err as Error).message}`);
    }
  }

  /** A SASL listener's mechanisms: PLAIN checks the listener's JAAS users, SCRAM the credentials in ZooKeeper. */
  private saslOptions(listenerName: string): SaslAuthenticatorOptions {
    const sources = { plainUsers: this.config.plainSaslUsers[listenerName] ?? new Map<string, string>(), credentials: this.credentialCache };
    return { enabledMechanisms: this.config.saslEnabledMechanisms, newServer: (mechanism) => newSaslServer(mechanism, sources) };
  }

  private async register(zk: ZkClient): Promise<void> {
    try {
      // A registration of our own previous run lives until its session times out (KAFKA-7165): wait that long.
      const staleSessionWaitMs = zk.negotiatedSessionTimeoutMs + staleSessionMarginMs;
      const { brokerEpoch } = await registerBroker(zk, {
        brokerId: this.brokerId, endpoints: this.advertisedEndpoints, rack: this.config.brokerRack, staleSessionWaitMs,
      }, this.logger.child('registry'));
      this.brokerEpoch = brokerEpoch;
      this.replicaManager?.registeredAs(brokerEpoch);
    } catch (err) {
      if (err instanceof BrokerIdTakenError) throw new BrokerStartupError(err.message);
      throw err;
    }
  }

  /**
   * node-zookeeper-client reports an expired session only once it reaches ZooKeeper again (its
   * issue #20): cut off for a whole session timeout, this broker must assume on its own clock that
   * its session, its registration and so its leaderships are gone, and stop acting as leader. The
   * timeout counts from when ZooKeeper was last heard, not from when the loss was noticed (two
   * thirds of a session timeout later when the connection went silent): ZooKeeper counts from
   * then too, and the controller elects new leaders as soon as it expires the session.
   */
  private watchSessionLoss(zk: ZkClient): void {
    let timer: NodeJS.Timeout | undefined;
    zk.on('disconnected', () => {
      if (timer) return;
      const timeoutMs = zk.negotiatedSessionTimeoutMs;
      timer = setTimeout(() => {
        this.replicaManager?.suspendLeaderships(`nothing heard from ZooKeeper for ${timeoutMs} ms, the session timeout: the session must be presumed expired`);
      }, Math.max(0, timeoutMs - zk.silentForMs));
      timer.unref();
    });
    zk.on('connected', (_sessionId: bigint, newSession: boolean) => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (!newSession) this.replicaManager?.resumeLeaderships();
    });
  }

  /** The session and every ephemeral znode are gone: leaderships on hold, register again (new broker epoch); the controller races again. */
  private async onSessionExpired(zk: ZkClient): Promise<void> {
    if (this.state !== 'running') return;
    this.replicaManager?.suspendLeaderships('the ZooKeeper session expired: the controller will tell the new leaders');
    this.logger.warn('ZooKeeper session expired: registering again');
    try {
      await this.register(zk);
    } catch (err) {
      this.logger.error(`re-registration after session expiry failed: ${(err as Error).message}`);
    }
  }

  /**
   * Kafka's log dir failure: the dir's partitions go offline here and the controller hears of it
   * through a /log_dir_event_notification znode (it then moves their leadership and takes them out
   * of ISRs). With every log dir offline the broker stops without a controlled shutdown, as Kafka
   * halts, and its registration goes with its session.
   */
  private async onLogDirFailure(zk: ZkClient, logDir: string): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.replicaManager?.handleLogDirFailure(logDir);
    if (this.logManager?.liveLogDirs.length === 0) {
      await this.halt(`every log dir (${this.config.logDirs.join(', ')}) has failed`);
      return;
    }
    for (let attempt = 1; this.state === 'starting' || this.state === 'running'; attempt++) {
      try {
        this.logger.info(`told the controller through ${await propagateLogDirEvent(zk, this.brokerId)}`);
        return;
      } catch (err) {
        this.logger.warn(`cannot write a log dir event notification (attempt ${attempt}): ${(err as Error).message}; will try again`);
        await delay(logDirEventRetryBackoffMs);
      }
    }
  }

  /**
   * Kafka's halt: the broker can no longer serve (no log dir left, no file descriptor to accept a
   * connection with). The ZooKeeper session is closed first, so the broker is deregistered and the
   * controller moves its leaderships whatever the rest of the shutdown meets; then it stops
   * without a controlled shutdown and onHalt says why (the CLI: on stderr, exit status 1).
   */
  private async halt(reason: string): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.logger.error(`${reason}: shutting down`);
    this.openFileWatchdog?.stop();
    await this.zk?.close();
    this.shutdownDone ??= this.doShutdown(false);
    await this.shutdownDone;
    this.options.onHalt?.(reason);
  }

  /** Kafka's KafkaServer.controlledShutdown, which stands down when ZooKeeper is unreachable (controlled-shutdown.ts). */
  private async controlledShutdown(): Promise<void> {
    await controlledShutdown({
      maxRetries: this.config.controlledShutdownMaxRetries,
      retryBackoffMs: this.config.controlledShutdownRetryBackoffMs,
      request: () => this.requestControlledShutdown(),
      zooKeeper: this.zk as ZkClient,
      logger: this.logger,
    });
  }

  /** What the controller says this broker still leads, counting only replicated partitions (unreplicated ones cannot move, as in Kafka). */
  private async requestControlledShutdown(): Promise<TopicPartition[]> {
    const remaining = await this.askControllerToShutDown();
    return remaining.filter((tp) => (this.metadataCache.partitionState(tp.topic, tp.partition)?.replicas.length ?? 0) > 1);
  }

  private async askControllerToShutDown(): Promise<TopicPartition[]> {
    if (this.controller?.isActive) return this.controller.controlledShutdown(this.brokerId, this.brokerEpoch);
    const controllerId = this.metadataCache.controllerId;
    // Kafka's controlled shutdown reaches the controller on the inter-broker listener.
    const endpoint = this.metadataCache.aliveNode(controllerId, this.config.interBrokerListenerName);
    if (!endpoint) throw new Error(`no controller known on listener ${this.config.interBrokerListenerName} (controller id ${controllerId})`);
    const connection = await Connection.connect(endpoint.host, endpoint.port, {
      clientId: `broker-${this.brokerId}-controlled-shutdown`,
      requestTimeoutMs: this.config.controllerSocketTimeoutMs,
      security: this.interBrokerSecurity,
    });
    try {
      const response = await connection.send(ApiKey.ControlledShutdown, { brokerId: this.brokerId, brokerEpoch: this.brokerEpoch });
      if (response.errorCode !== ErrorCode.NONE.code) throw new Error(`controller ${controllerId} answered error code ${response.errorCode}`);
      return response.remainingPartitions;
    } finally {
      await connection.close();
    }
  }

  /** Controlled shutdown, stop accepting, answer in-flight requests, stop the controller, flush and checkpoint, end the session. */
  shutdown(): Promise<void> {
    this.shutdownDone ??= this.doShutdown();
    return this.shutdownDone;
  }

  private async doShutdown(controlled = true): Promise<void> {
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    this.openFileWatchdog?.stop();
    if (controlled && wasRunning && this.config.controlledShutdownEnable) await this.controlledShutdown();
    await this.metricsServer?.close();
    await this.lagConsumer?.close();
    for (const socketServer of this.socketServers.values()) socketServer.stopAccepting();
    this.dynamicConfig?.shutdown();
    this.authorizer?.shutdown();
    await this.replicaManager?.shutdown();
    this.groupCoordinator?.shutdown();
    await Promise.all([...this.socketServers.values()].map((socketServer) => socketServer.close()));
    await this.controller?.shutdown();
    await this.logManager?.stopCleaner();
    this.logManager?.close(this.replicaManager?.highWatermarkOf);
    await this.zk?.close();
    this.zkSession.onClosed();
    this.state = 'stopped';
    this.logger.info('shut down cleanly');
  }
}
