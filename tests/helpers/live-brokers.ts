/** Live brokers as the controller describes them in UpdateMetadata, for tests that play the controller. */
import { SecurityProtocol } from '../../src/common/endpoint';
import type { UpdateMetadataBroker } from '../../src/protocol/messages';

/** Broker `id` with an endpoint per listener name (all PLAINTEXT, the only protocol Josef speaks). */
export function liveBroker(id: number, listeners: Record<string, { host: string; port: number }>): UpdateMetadataBroker {
  const endpoints = Object.entries(listeners).map(([listener, { host, port }]) => ({ port, host, listener, securityProtocol: SecurityProtocol.PLAINTEXT }));
  return { id, endpoints, rack: null };
}

/** Broker `id` with its one PLAINTEXT listener at host:port. */
export const plaintextBroker = (id: number, host: string, port: number): UpdateMetadataBroker => liveBroker(id, { PLAINTEXT: { host, port } });
