// Draws the brokers, topics, groups and timeline panels from the page's state. Text always goes
// in as text (topic and group names come from users), never as HTML.
import { restartBroker, signalBroker } from './actions.js';

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}

const list = (ids) => `[${ids.join(',')}]`;
const dash = (v) => (v === null || v === undefined ? '–' : String(v));
const rate = (v) => (v === undefined ? '–' : v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(0));
const bytes = (v) => (v === undefined ? '–' : v >= 1048576 ? `${(v / 1048576).toFixed(1)} MB` : v >= 1024 ? `${(v / 1024).toFixed(0)} KB` : `${v.toFixed(0)} B`);

/** Brokers known: registered ones, and those that were (a killed broker stays on the page, dead). */
const brokersSeen = new Map();

export function renderBrokers(container, state) {
  const { model, probe } = state;
  for (const b of model.brokers) brokersSeen.set(b.id, b);
  const led = new Map();
  for (const t of model.topics) for (const p of t.partitions) if (p.leader !== -1) led.set(p.leader, (led.get(p.leader) ?? 0) + 1);
  const alive = new Set(model.brokers.map((b) => b.id));
  container.replaceChildren(...[...brokersSeen.values()].sort((a, b) => a.id - b.id).map((b) => {
    const isAlive = alive.has(b.id);
    const seen = probe?.brokers?.[b.id];
    const t = seen?.throughput;
    const buttons = state.info.readOnly ? null : el('div', { class: 'buttons' },
      ...['KILL', 'TERM', 'STOP', 'CONT'].map((signal) => el('button', { 'data-testid': `broker-${b.id}-${signal.toLowerCase()}`, title: `send SIG${signal}`, onclick: () => signalBroker(b.id, signal) }, signal)),
      el('button', { 'data-testid': `broker-${b.id}-restart`, onclick: () => restartBroker(b.id) }, 'Restart'));
    return el('div', { class: `broker ${isAlive ? 'alive' : 'dead'}`, 'data-testid': `broker-${b.id}`, 'data-alive': String(isAlive), 'data-controller': String(model.controllerId === b.id) },
      el('div', { class: 'title' }, `Broker ${b.id}`, model.controllerId === b.id ? el('span', { class: 'controller', 'data-testid': 'controller-badge' }, `controller · epoch ${model.controllerEpoch}`) : null),
      el('div', { class: 'detail' }, `${b.listeners} · ${isAlive ? `epoch ${b.brokerEpoch}` : 'not registered'}`),
      el('div', { class: 'detail' }, `leads ${led.get(b.id) ?? 0} partition(s)`),
      el('div', { class: 'detail' }, t ? `in ${rate(t.messagesInPerSec)} rec/s · ${bytes(t.bytesInPerSec)}/s · out ${bytes(t.bytesOutPerSec)}/s` : seen?.metricsUrl === null ? 'no metrics.port' : seen?.error ? 'metrics: no answer' : ''),
      buttons);
  }));
}

export function renderTopics(container, state) {
  const { model, probe } = state;
  const topics = model.topics.filter((t) => state.showInternal || t.name !== '__consumer_offsets');
  if (topics.length === 0) {
    container.replaceChildren(el('p', {}, 'No topic yet.'));
    return;
  }
  const moving = new Map(model.reassigning.map((r) => [`${r.topic}-${r.partition}`, r.replicas]));
  container.replaceChildren(...topics.map((t) => el('table', { 'data-testid': `topic-${t.name}` },
    el('caption', {}, `${t.name}${t.deleting ? ' (being deleted)' : ''}`),
    el('thead', {}, el('tr', {}, ...['partition', 'leader', 'replicas', 'ISR', 'log end offset', 'high watermark', ''].map((h) => el('th', {}, h)))),
    el('tbody', {}, ...t.partitions.map((p) => {
      const tp = `${t.name}-${p.partition}`;
      const offsets = probe?.partitions?.[tp];
      const offline = p.leader === -1;
      const under = !offline && p.isr.length < p.replicas.length;
      const note = offline ? 'offline: no leader' : under ? 'under-replicated' : moving.has(tp) ? `moving to ${list(moving.get(tp))}` : '';
      return el('tr', { class: offline ? 'offline' : under ? 'under-replicated' : '', 'data-testid': `partition-${tp}`, 'data-leader': p.leader, 'data-isr': p.isr.join(',') },
        el('td', {}, String(p.partition)), el('td', {}, offline ? 'none' : String(p.leader)), el('td', {}, list(p.replicas)), el('td', {}, list(p.isr)),
        el('td', {}, dash(offsets?.logEndOffset)), el('td', {}, dash(offsets?.highWatermark)), el('td', {}, note));
    })))));
}

export function renderGroups(container, state) {
  if (state.groups.length === 0) {
    container.replaceChildren(el('p', {}, 'No consumer group yet.'));
    return;
  }
  container.replaceChildren(...state.groups.map((g) => el('table', { 'data-testid': `group-${g.groupId}` },
    el('caption', {}, `${g.groupId}: ${g.state}, ${g.members.length} member(s), coordinator broker ${g.coordinator}`),
    el('thead', {}, el('tr', {}, ...['partition', 'member', 'committed', 'log end', 'lag'].map((h) => el('th', {}, h)))),
    el('tbody', {}, ...g.partitions.map((p) => el('tr', {},
      el('td', {}, `${p.topic}-${p.partition}`), el('td', {}, p.memberId ? p.memberId.slice(0, 24) : '–'),
      el('td', {}, dash(p.committedOffset)), el('td', {}, dash(p.logEndOffset)), el('td', {}, dash(p.lag))))))));
}

/** Events of the internal offsets topic (50 partitions' worth when it is created) unless asked for. */
const internalZnode = /^\/brokers\/topics\/__consumer_offsets(\/|$)/;

export function renderTimeline(container, events, showInternal, openZnode) {
  const shown = showInternal ? events : events.filter((e) => !internalZnode.test(e.znode));
  container.replaceChildren(...[...shown].reverse().map((e) => el('li', { class: e.kind, 'data-kind': e.kind },
    el('span', { class: 'time' }, new Date(e.timeMs).toLocaleTimeString()),
    e.text,
    el('span', { class: 'znode', title: 'open in the ZooKeeper panel', onclick: () => openZnode(e.znode) }, e.znode))));
}

export function topicOptions(select, topics) {
  const names = topics.map((t) => t.name).filter((n) => n !== '__consumer_offsets');
  const current = [...select.options].map((o) => o.value);
  if (current.join('\n') === names.join('\n')) return;
  const chosen = select.value;
  select.replaceChildren(...names.map((n) => el('option', { value: n }, n)));
  if (names.includes(chosen)) select.value = chosen;
}
