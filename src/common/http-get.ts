/**
 * A GET of a small text answer through Node's http and a caller's Agent (keep-alive: one
 * connection reused from one request to the next), for readers that ask every second, such as
 * the console scraping brokers' /metrics: fetch's per-request machinery costs several times more
 * CPU for the same answer.
 */
import http from 'http';

/** The body of a GET of `url`; rejects on an answer other than 200, an error, or a connection idle for `timeoutMs`. */
export function httpGetText(url: string, agent: http.Agent, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        if (response.statusCode === 200) resolve(body);
        else reject(new Error(`${url} answered ${response.statusCode}: ${body.slice(0, 200)}`));
      });
    });
    request.on('timeout', () => request.destroy(new Error(`${url} did not answer within ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}
