/**
 * `meta.properties` of a log dir, as Kafka writes it: version, broker.id and cluster.id. It ties
 * the data on disk to one broker of one cluster, so a broker pointed at a wiped ZooKeeper refuses
 * to start instead of mixing histories. Written atomically, like the checkpoints.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomically } from './checkpoint-file';

export const META_PROPERTIES = 'meta.properties';

export interface MetaProperties {
  version: number;
  brokerId: number;
  clusterId: string;
}

export function metaPropertiesPath(logDir: string): string {
  return path.join(logDir, META_PROPERTIES);
}

/** The log dir's identity, or undefined when it has none yet. Malformed: an error naming the file. */
export function readMetaProperties(logDir: string): MetaProperties | undefined {
  const file = metaPropertiesPath(logDir);
  if (!fs.existsSync(file)) return undefined;
  const values = new Map<string, string>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq > 0) values.set(trimmed.slice(0, eq).trim(), trimmed.slice(eq + 1).trim());
  }
  const version = Number(values.get('version') ?? 0);
  const brokerId = Number(values.get('broker.id'));
  const clusterId = values.get('cluster.id');
  if (version !== 0) throw new Error(`malformed ${file}: unsupported version ${values.get('version')}`);
  if (!/^\d+$/.test(values.get('broker.id') ?? '') || !clusterId) throw new Error(`malformed ${file}: broker.id and cluster.id are required`);
  return { version, brokerId, clusterId };
}

export function writeMetaProperties(logDir: string, meta: MetaProperties): void {
  fs.mkdirSync(logDir, { recursive: true });
  writeFileAtomically(metaPropertiesPath(logDir), `#\n#${new Date().toUTCString()}\nversion=${meta.version}\nbroker.id=${meta.brokerId}\ncluster.id=${meta.clusterId}\n`);
}
