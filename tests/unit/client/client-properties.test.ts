/**
 * librdkafka's client properties read into a client's security: each security.protocol, the PEM
 * files loaded by the property that names them, and the mistakes said before connecting.
 */
import * as fs from 'fs';
import * as path from 'path';
import { clientPropertiesFrom, readClientProperties } from '../../../src/client/client-properties';
import { rmDir, tmpDir } from '../../helpers/tmp';

const read = (file: string, property: string): Buffer => Buffer.from(`${property}:${file}`);
const from = (entries: Record<string, string>): ReturnType<typeof clientPropertiesFrom> => clientPropertiesFrom(new Map(Object.entries(entries)), read);

describe('client properties (kcat -F, --command-config)', () => {
  test('SASL_SSL with SCRAM: TLS trusting the CA, then SASL; the bootstrap list comes along', () => {
    const properties = from({
      'bootstrap.servers': '127.0.0.1:21001', 'security.protocol': 'sasl_ssl', 'sasl.mechanisms': 'SCRAM-SHA-256',
      'sasl.username': 'admin', 'sasl.password': 'admin-secret', 'ssl.ca.location': '/d/ca.pem', 'client.id': 'x',
    });
    expect(properties).toEqual({
      bootstrapServers: '127.0.0.1:21001',
      security: {
        tls: { ca: Buffer.from('ssl.ca.location:/d/ca.pem'), cert: undefined, key: undefined, passphrase: undefined },
        sasl: { mechanism: 'SCRAM-SHA-256', username: 'admin', password: 'admin-secret' },
      },
      ignored: ['client.id'],
    });
  });

  test('SSL with a client certificate; PLAINTEXT ignores ssl.* as librdkafka does', () => {
    const ssl = from({ 'security.protocol': 'SSL', 'ssl.certificate.location': '/c.pem', 'ssl.key.location': '/c.key' });
    expect(ssl.security).toEqual({ tls: { ca: undefined, cert: Buffer.from('ssl.certificate.location:/c.pem'), key: Buffer.from('ssl.key.location:/c.key'), passphrase: undefined } });
    expect(from({ 'ssl.ca.location': '/d/ca.pem' }).security).toEqual({});
  });

  test('SASL_PLAINTEXT with Java\'s sasl.mechanism spelling', () => {
    expect(from({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.username': 'a', 'sasl.password': 'b' }).security)
      .toEqual({ sasl: { mechanism: 'PLAIN', username: 'a', password: 'b' } });
  });

  test.each([
    [{ 'security.protocol': 'TLS' }, /security.protocol=TLS is not one of/],
    [{ 'security.protocol': 'SASL_SSL', 'sasl.username': 'a', 'sasl.password': 'b' }, /needs sasl.mechanisms/],
    [{ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'PLAIN', 'sasl.username': 'a' }, /needs sasl.username and sasl.password/],
    [{ 'security.protocol': 'SSL', 'ssl.certificate.location': '/c.pem' }, /needs both ssl.certificate.location and ssl.key.location/],
  ])('%j is refused', (entries, message) => {
    expect(() => from(entries)).toThrow(message);
  });

  test('a file is read as Java properties, and its mistakes name the file', () => {
    const dir = tmpDir('client-properties');
    try {
      const file = path.join(dir, 'client.properties');
      fs.writeFileSync(file, '# kcat -F\nbootstrap.servers = 127.0.0.1:21001\nsecurity.protocol: PLAINTEXT\n');
      expect(readClientProperties(file)).toEqual({ bootstrapServers: '127.0.0.1:21001', security: {}, ignored: [] });
      fs.writeFileSync(file, 'sasl.password=\\uZZZZ\n');
      expect(() => readClientProperties(file)).toThrow(`${file}: malformed \\uXXXX escape`);
      fs.writeFileSync(file, 'security.protocol=carrier-pigeon\n');
      expect(() => readClientProperties(file)).toThrow(`${file}: security.protocol=CARRIER-PIGEON is not one of`);
      expect(() => readClientProperties(path.join(dir, 'missing.properties'))).toThrow(`cannot read the client config ${path.join(dir, 'missing.properties')}: ENOENT`);
    } finally {
      rmDir(dir);
    }
  });
});
