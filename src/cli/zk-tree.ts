/**
 * `josef zk tree`'s two halves: reading a subtree of znodes (bounded by `znodesMax`, so a huge
 * tree cannot fill the memory) and drawing it with each znode's data, JSON compact on the
 * znode's line when it fits the width and pretty-printed under it when not.
 */
import type { ZkClient } from '../coordination/zk-client';
import { ZkNoAuthError, ZkNoNodeError } from '../coordination/zk-errors';

export interface ZnodeTree {
  /** Last path component ('/' for the root). */
  name: string;
  path: string;
  data: Buffer;
  ephemeral: boolean;
  children: ZnodeTree[];
  /** Children not read because the budget ran out. */
  childrenOmitted: number;
  /** ZooKeeper refused to let this session read it (NOAUTH: zookeeper.set.acl's sensitive paths). */
  unreadable?: true;
}

export const znodesMaxDefault = 2000;
/** Width a compact JSON line may take before it is pretty-printed instead. */
export const lineWidthDefault = 110;

/** Children in natural order: partitions 0, 1, 2, ..., 10 rather than 0, 1, 10, 2. */
function byNaturalOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

function joinPath(parent: string, child: string): string {
  return parent === '/' ? `/${child}` : `${parent}/${child}`;
}

/**
 * Reads `path` and below, depth first, at most `znodesMax` znodes in all. A znode deleted while
 * being read is left out (the tree is a moment's look, not a snapshot). Undefined when `path` is missing.
 */
export async function readZnodeTree(zk: ZkClient, path: string, znodesMax = znodesMaxDefault): Promise<ZnodeTree | undefined> {
  let budget = znodesMax;
  const read = async (nodePath: string): Promise<ZnodeTree | undefined> => {
    if (budget <= 0) return undefined;
    budget--;
    let node: ZnodeTree;
    let childNames: string[];
    try {
      const { data, stat } = await zk.getData(nodePath);
      node = { name: nodePath === '/' ? '/' : nodePath.slice(nodePath.lastIndexOf('/') + 1), path: nodePath, data, ephemeral: stat.ephemeralOwner !== 0n, children: [], childrenOmitted: 0 };
      childNames = stat.numChildren === 0 ? [] : (await zk.getChildren(nodePath)).sort(byNaturalOrder);
    } catch (err) {
      if (err instanceof ZkNoNodeError) return undefined;
      if (!(err instanceof ZkNoAuthError)) throw err;
      return { name: nodePath.slice(nodePath.lastIndexOf('/') + 1), path: nodePath, data: Buffer.alloc(0), ephemeral: false, children: [], childrenOmitted: 0, unreadable: true };
    }
    for (const [i, childName] of childNames.entries()) {
      if (budget <= 0) {
        node.childrenOmitted = childNames.length - i;
        break;
      }
      const child = await read(joinPath(nodePath, childName));
      if (child) node.children.push(child);
    }
    return node;
  };
  return read(path);
}

/** Width a nested value may take on its line before it is broken over several lines. */
const prettyWidthMax = 80;

/**
 * JSON over several lines, but every object or array that fits `prettyWidthMax` stays on one
 * (a replica list reads as [1,2,3], not as five lines).
 */
export function prettyJson(value: unknown, indent = ''): string[] {
  const compact = JSON.stringify(value);
  if (value === null || typeof value !== 'object' || indent.length + compact.length <= prettyWidthMax) return [compact];
  const inner = `${indent}  `;
  const entries: Array<[string, unknown]> = Array.isArray(value)
    ? value.map((v): [string, unknown] => ['', v])
    : Object.entries(value as Record<string, unknown>).map(([k, v]): [string, unknown] => [`${JSON.stringify(k)}: `, v]);
  const lines = [Array.isArray(value) ? '[' : '{'];
  entries.forEach(([key, v], i) => {
    const valueLines = prettyJson(v, inner);
    valueLines[0] = `${inner}${key}${valueLines[0]}`;
    if (i < entries.length - 1) valueLines[valueLines.length - 1] += ',';
    lines.push(...valueLines);
  });
  lines.push(`${indent}${Array.isArray(value) ? ']' : '}'}`);
  return lines;
}

/** How a znode's bytes read: JSON (compact and pretty), other text quoted, binary as a byte count. */
export function renderZnodeData(data: Buffer): { compact: string; pretty: string[] } | undefined {
  if (data.length === 0) return undefined;
  const text = data.toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(data) && !/[\u0000-\u0008\u000e-\u001f]/.test(text);
  if (!isText) return { compact: `<${data.length} bytes>`, pretty: [`<${data.length} bytes>`] };
  try {
    const value: unknown = JSON.parse(text);
    return { compact: JSON.stringify(value), pretty: prettyJson(value) };
  } catch {
    return { compact: JSON.stringify(text), pretty: [JSON.stringify(text)] };
  }
}

export interface TreeTotals {
  znodes: number;
  omitted: number;
}

/** Drawn with box characters, as `tree` draws folders; ephemeral znodes are marked, as they vanish with their owner's session. */
export function formatZnodeTree(root: ZnodeTree, lineWidth = lineWidthDefault): string {
  const lines: string[] = [];
  const totals: TreeTotals = { znodes: 0, omitted: 0 };
  const draw = (node: ZnodeTree, linePrefix: string, childPrefix: string): void => {
    totals.znodes++;
    totals.omitted += node.childrenOmitted;
    const head = `${linePrefix}${node === root ? node.path : node.name}${node.ephemeral ? ' (ephemeral)' : ''}${node.unreadable ? ' (not readable: NOAUTH, its ZooKeeper ACL lets only its creator read it)' : ''}`;
    const data = renderZnodeData(node.data);
    const dataPrefix = `${childPrefix}${node.children.length > 0 || node.childrenOmitted > 0 ? '│ ' : '  '}`;
    if (data === undefined) lines.push(head);
    else if (head.length + 2 + data.compact.length <= lineWidth) lines.push(`${head}  ${data.compact}`);
    else lines.push(head, ...data.pretty.map((l) => `${dataPrefix}${l}`));
    node.children.forEach((child, i) => {
      const last = i === node.children.length - 1 && node.childrenOmitted === 0;
      draw(child, `${childPrefix}${last ? '└── ' : '├── '}`, `${childPrefix}${last ? '    ' : '│   '}`);
    });
    if (node.childrenOmitted > 0) lines.push(`${childPrefix}└── ... ${node.childrenOmitted} more not shown`);
  };
  draw(root, '', '');
  const footer = totals.omitted > 0
    ? `${totals.znodes} znodes shown; the limit was reached (--max-znodes): name a deeper PATH or raise it`
    : `${totals.znodes} znode${totals.znodes === 1 ? '' : 's'}`;
  return `${lines.join('\n')}\n${footer}\n`;
}
