// The page's actions on a local cluster, each one request to the console's API; its answer (or
// the reason it was refused) shows in the message line. Broker buttons are drawn by render.js.
export function showMessage(text, isError = false) {
  const line = document.getElementById('message');
  line.textContent = text;
  line.className = isError ? 'error' : '';
}

export async function callApi(method, path, body) {
  const response = await fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.error ?? `${method} ${path}: ${response.status}`);
  return answer;
}

async function act(what, run) {
  showMessage(`${what}…`);
  try {
    const answer = await run();
    showMessage(answer?.message ?? `${what}: done`);
  } catch (err) {
    showMessage(`${what}: ${err.message}`, true);
  }
}

export function signalBroker(id, signal) {
  return act(`${signal} broker ${id}`, () => callApi('POST', `/api/brokers/${id}/signal`, { signal }));
}

export function restartBroker(id) {
  return act(`restart broker ${id}`, () => callApi('POST', `/api/brokers/${id}/restart`));
}

async function refreshLoads() {
  const loads = await callApi('GET', '/api/loads').catch(() => []);
  const list = document.getElementById('loads');
  list.replaceChildren(...loads.map((load) => {
    const row = document.createElement('div');
    row.textContent = `${load.kind} ${load.id} on ${load.topic}${load.kind === 'producer' ? ` at ${load.ratePerSec}/s` : ''}: ${load.records} records${load.errors ? `, ${load.errors} errors (${load.lastError})` : ''} `;
    const stop = document.createElement('button');
    stop.textContent = 'Stop';
    stop.onclick = () => act(`stop ${load.kind} ${load.id}`, () => callApi('DELETE', `/api/loads/${load.id}`)).then(refreshLoads);
    row.append(stop);
    return row;
  }));
}

export function bindActions(state) {
  if (state.info.readOnly) return;
  const form = (id) => document.getElementById(id);
  form('create-topic').addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(event.target);
    const topic = { name: data.get('name'), partitions: Number(data.get('partitions')), replicationFactor: Number(data.get('replicationFactor')) };
    act(`create topic ${topic.name}`, () => callApi('POST', '/api/topics', topic).then(() => ({ message: `created topic ${topic.name}` })));
  });
  form('start-load').addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(event.target);
    const load = { kind: data.get('kind'), topic: data.get('topic'), ratePerSec: Number(data.get('ratePerSec')) };
    act(`start a ${load.kind} on ${load.topic}`, () => callApi('POST', '/api/loads', load).then((l) => ({ message: `${l.kind} ${l.id} started` }))).then(refreshLoads);
  });
  form('failover-demo').addEventListener('click', () => act('failover demo', () => callApi('POST', '/api/demo/failover')));
  setInterval(refreshLoads, 2000);
}
