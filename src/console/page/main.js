// The console page: one WebSocket to /live (reopened after any loss, so the page never needs a
// reload after a broker, ZooKeeper or the console itself restarts), one state object the
// messages update, and a redraw of each panel once per animation frame after a change.
import { renderBrokers, renderGroups, renderTopics, renderTimeline, topicOptions } from './render.js';
import { ThroughputCharts } from './charts.js';
import { ZooKeeperPanel } from './zk-panel.js';
import { bindActions, showMessage } from './actions.js';

const state = {
  info: { readOnly: true, localCluster: null, zookeeper: '' },
  zookeeper: { up: false, error: 'connecting' },
  model: { brokers: [], controllerId: -1, controllerEpoch: null, topics: [], reassigning: [], znodes: {} },
  events: [],
  groups: [],
  probe: null,
  showInternal: false,
};
/** Events kept by the page, as the server keeps its timeline. */
const eventsMax = 500;
const reconnectDelayMs = 1000;

const charts = new ThroughputCharts(document.getElementById('chart-messages'), document.getElementById('chart-bytes'), document.getElementById('total-rate'));
const zkPanel = new ZooKeeperPanel(document.getElementById('zk-tree'), document.getElementById('zk-node'));
let dirty = false;

function redraw() {
  dirty = false;
  renderBrokers(document.getElementById('brokers'), state);
  renderTopics(document.getElementById('topics'), state);
  renderGroups(document.getElementById('groups'), state);
  renderTimeline(document.getElementById('timeline'), state.events, state.showInternal, (path) => zkPanel.open(path));
  topicOptions(document.querySelector('[data-testid=load-topic]'), state.model.topics);
}

function changed() {
  if (dirty) return;
  dirty = true;
  requestAnimationFrame(redraw);
}

function setBadge(id, text, kind) {
  const badge = document.getElementById(id);
  badge.textContent = text;
  badge.className = `badge ${kind}`;
}

function apply(message) {
  switch (message.type) {
    case 'zookeeper':
      state.zookeeper = message;
      setBadge('zookeeper-status', message.up ? `ZooKeeper ${message.connect}` : `ZooKeeper unreachable: ${message.error}`, message.up ? 'ok' : 'bad');
      if (message.up) zkPanel.refresh();
      break;
    case 'cluster': state.model = message.model; break;
    case 'events':
      state.events.push(...message.events);
      if (state.events.length > eventsMax) state.events.splice(0, state.events.length - eventsMax);
      break;
    case 'znodes': zkPanel.flash(message.paths); break;
    case 'probe': state.probe = message.probe; charts.add(message.probe); break;
    case 'groups': state.groups = message.groups; break;
    case 'action': document.getElementById('action-output').textContent += `${message.line}\n`; break;
    default: return;
  }
  changed();
}

function connect() {
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/live`);
  socket.onopen = () => {
    setBadge('live-status', 'live', 'ok');
    // A fresh snapshot follows: what the page had is replaced, not added to.
    state.events = [];
    document.getElementById('action-output').textContent = '';
  };
  socket.onmessage = (event) => apply(JSON.parse(event.data));
  socket.onclose = () => {
    setBadge('live-status', 'live: reconnecting…', 'bad');
    setTimeout(connect, reconnectDelayMs);
  };
}

async function start() {
  try {
    state.info = await (await fetch('/api/info')).json();
  } catch (err) {
    showMessage(`cannot reach the console: ${err.message}`, true);
  }
  document.body.classList.toggle('read-only', state.info.readOnly);
  setBadge('mode', state.info.readOnly ? 'read-only' : `actions on ${state.info.localCluster}`, state.info.readOnly ? '' : 'warn');
  document.getElementById('show-internal').addEventListener('change', (e) => { state.showInternal = e.target.checked; changed(); });
  bindActions(state);
  zkPanel.open('/');
  connect();
}

start();
