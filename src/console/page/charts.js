// Throughput charts with uPlot: records in per second and bytes in and out per second, one line
// per broker, over the last `windowPoints` probes (one a second), fed from the brokers' metrics.
const windowPoints = 120;
const colours = ['#2451b3', '#c0262d', '#1b7f3b', '#b86e00', '#5b3cc4', '#0b8a8a'];

export class ThroughputCharts {
  constructor(messagesElement, bytesElement, totalElement) {
    this.messagesElement = messagesElement;
    this.bytesElement = bytesElement;
    this.totalElement = totalElement;
    this.times = [];
    /** By broker id: arrays parallel to times. */
    this.series = new Map();
    this.brokerIds = [];
    this.charts = [];
  }

  add(probe) {
    const ids = Object.keys(probe.brokers).map(Number);
    for (const id of ids) if (!this.series.has(id)) this.series.set(id, { messagesIn: this.times.map(() => null), bytesIn: this.times.map(() => null), bytesOut: this.times.map(() => null) });
    this.times.push(probe.timeMs / 1000);
    let total = 0;
    for (const [id, s] of this.series) {
      const t = probe.brokers[id]?.throughput;
      s.messagesIn.push(t ? t.messagesInPerSec : null);
      s.bytesIn.push(t ? t.bytesInPerSec : null);
      s.bytesOut.push(t ? t.bytesOutPerSec : null);
      total += t ? t.messagesInPerSec : 0;
    }
    if (this.times.length > windowPoints) {
      this.times.shift();
      for (const s of this.series.values()) for (const a of Object.values(s)) a.shift();
    }
    this.totalElement.textContent = total.toFixed(0);
    this.totalElement.dataset.history = JSON.stringify(this.totalHistory());
    this.draw();
  }

  /** Records in per second over the whole cluster, oldest first. */
  totalHistory() {
    return this.times.map((_, i) => Math.round([...this.series.values()].reduce((sum, s) => sum + (s.messagesIn[i] ?? 0), 0)));
  }

  draw() {
    const ids = [...this.series.keys()].sort((a, b) => a - b);
    if (ids.join() !== this.brokerIds.join()) this.rebuild(ids);
    const [messages, bytes] = this.charts;
    messages.setData([this.times, ...ids.map((id) => this.series.get(id).messagesIn)]);
    bytes.setData([this.times, ...ids.flatMap((id) => [this.series.get(id).bytesIn, this.series.get(id).bytesOut])]);
  }

  rebuild(ids) {
    for (const chart of this.charts) chart.destroy();
    this.brokerIds = ids;
    const width = Math.max(300, this.messagesElement.clientWidth || 600);
    const line = (label, i, dash) => ({ label, stroke: colours[i % colours.length], width: 2, dash, spanGaps: false });
    this.charts = [
      new uPlot({ title: 'records in per second', width, height: 190, series: [{}, ...ids.map((id, i) => line(`broker ${id}`, i))], axes: [{}, { size: 60 }] },
        [this.times, ...ids.map(() => [])], this.messagesElement),
      new uPlot({ title: 'bytes per second: in (solid) and out (dashed)', width, height: 190,
        series: [{}, ...ids.flatMap((id, i) => [line(`broker ${id} in`, i), line(`broker ${id} out`, i, [6, 4])])], axes: [{}, { size: 70 }] },
        [this.times, ...ids.flatMap(() => [[], []])], this.bytesElement),
    ];
  }
}
