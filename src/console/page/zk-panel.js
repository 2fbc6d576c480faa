// The ZooKeeper panel: the tree browsed level by level through /api/zk (children and data of one
// znode), the selected znode's data and stat, and a flash on every shown znode that changed (or
// under which one changed), as the live feed reports them.
import { el } from './render.js';

export class ZooKeeperPanel {
  constructor(treeElement, nodeElement) {
    this.treeElement = treeElement;
    this.nodeElement = nodeElement;
    /** Paths whose children are shown. */
    this.expanded = new Set(['/']);
    this.selected = '/';
  }

  async fetchNode(path) {
    const response = await fetch(`/api/zk?path=${encodeURIComponent(path)}`);
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error);
    return answer;
  }

  /** Opens `path`: its ancestors expanded, it selected and shown. */
  async open(path) {
    const parts = path.split('/').filter(Boolean);
    for (let i = 0; i <= parts.length; i++) this.expanded.add(`/${parts.slice(0, i).join('/')}`);
    this.selected = path;
    await this.refresh();
  }

  async refresh() {
    try {
      this.treeElement.replaceChildren(await this.branch('/'));
      await this.showSelected();
    } catch (err) {
      this.nodeElement.replaceChildren(el('p', {}, err.message));
    }
  }

  async branch(path) {
    const name = path === '/' ? '/' : path.slice(path.lastIndexOf('/') + 1);
    const item = el('li', { 'data-path': path });
    const label = el('span', { class: `name${path === this.selected ? ' selected' : ''}`, 'data-testid': `znode-${path}`, onclick: () => this.toggle(path) }, name);
    item.append(label);
    if (!this.expanded.has(path)) return item;
    const node = await this.fetchNode(path).catch(() => undefined);
    if (!node) return item;
    const children = await Promise.all(node.children.map((child) => this.branch(path === '/' ? `/${child}` : `${path}/${child}`)));
    item.append(el('ul', {}, ...children));
    return item;
  }

  async toggle(path) {
    if (this.expanded.has(path) && this.selected === path) this.expanded.delete(path);
    else this.expanded.add(path);
    this.selected = path;
    await this.refresh();
  }

  async showSelected() {
    const node = await this.fetchNode(this.selected).catch((err) => ({ error: err.message }));
    if (node.error) {
      this.nodeElement.replaceChildren(el('p', {}, `${this.selected}: ${node.error}`));
      return;
    }
    let data = node.data;
    try { data = JSON.stringify(JSON.parse(node.data), null, 2); } catch { /* not JSON: shown as it is */ }
    const s = node.stat;
    this.nodeElement.replaceChildren(
      el('strong', {}, node.path),
      el('pre', { 'data-testid': 'znode-data' }, data === '' ? '(no data)' : data),
      el('div', { class: 'stat' }, `version ${s.version} · children ${s.numChildren} · mzxid ${s.mzxid} · modified ${new Date(s.mtimeMs).toLocaleTimeString()}${s.ephemeralOwner !== '0x0' ? ` · ephemeral, session ${s.ephemeralOwner}` : ''}`));
  }

  /** Flashes every shown znode that is one of `paths` or above one; re-reads the tree when shown ones appeared or vanished. */
  flash(paths) {
    const shown = [...this.treeElement.querySelectorAll('li[data-path]')];
    let structureChanged = false;
    for (const item of shown) {
      const path = item.dataset.path;
      const hit = paths.some((p) => p === path || p.startsWith(path === '/' ? '/' : `${path}/`));
      if (!hit) continue;
      const label = item.querySelector(':scope > .name');
      label.classList.remove('flash');
      void label.offsetWidth; // restarts the animation
      label.classList.add('flash');
      if (this.expanded.has(path)) structureChanged = true;
    }
    if (structureChanged || paths.includes(this.selected)) void this.refresh().then(() => this.reflash(paths));
  }

  /** After a re-read the labels are new: flash the changed ones again. */
  reflash(paths) {
    for (const path of paths) {
      const label = this.treeElement.querySelector(`li[data-path="${CSS.escape(path)}"] > .name`);
      label?.classList.add('flash');
    }
  }
}
