/**
 * Certificates for a local cluster and for tests, made with openssl (Node's crypto reads X.509
 * certificates but cannot issue them): a self-signed CA, and keys with certificates it signs, with
 * the subjectAltNames a TLS client checks the host against. Keys are written unencrypted and
 * readable by their owner only: they are for a cluster on this machine, not a production PKI.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import path from 'path';

/** Runs `openssl args` in `dir`, throwing with openssl's own words when it fails. */
export function openssl(dir: string, args: string[]): void {
  const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (run.error) throw new Error(`cannot run openssl (is it installed?): ${run.error.message}`);
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${run.stderr}`);
}

/** A self-signed CA named `name` in `<dir>/<name>.pem` (certificate) and `<name>.key`, valid `days`. */
export function makeCa(dir: string, name: string, days: number): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', String(days), '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.pem`]);
  fs.chmodSync(path.join(dir, `${name}.key`), 0o600);
}

/**
 * A key `<name>.key` and a certificate `<name>.pem` for `subject` (`/O=josef/CN=alice`) signed by
 * the CA `ca` of the same folder, naming `san` (`IP:127.0.0.1,DNS:localhost`) if given.
 */
export function makeSigned(dir: string, name: string, subject: string, ca: string, days: number, san?: string): void {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
  fs.chmodSync(path.join(dir, `${name}.key`), 0o600);
  let extensions: string[] = [];
  if (san !== undefined) {
    fs.writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
    extensions = ['-extfile', `${name}.ext`];
  }
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', String(days), '-out', `${name}.pem`, ...extensions]);
}

/** `<name>.key` then `<name>.pem` in one file `<keystore>`: Kafka's PEM keystore (ssl.keystore.location). */
export function writePemKeystore(dir: string, name: string, keystore: string): void {
  const file = path.join(dir, keystore);
  fs.writeFileSync(file, Buffer.concat([fs.readFileSync(path.join(dir, `${name}.key`)), fs.readFileSync(path.join(dir, `${name}.pem`))]), { mode: 0o600 });
}
