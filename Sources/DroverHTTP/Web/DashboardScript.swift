/// The dashboard's script: plain JavaScript, no dependencies. Views are rendered from the API
/// (`/api/v1`), plots are SVG built in the page, live updates come from the event stream read
/// with `fetch` (so the token travels in a header, which `EventSource` cannot send).
enum DashboardScript {
    static let source = #"""
    'use strict';
    const S = { token: sessionStorage.getItem('drover.token') || '', cursors: [], lastEventId: null, abort: null, pending: null };
    const svgNS = 'http://www.w3.org/2000/svg';

    function el(tag, attrs, ...kids) {
      const e = document.createElement(tag);
      for (const [k, v] of Object.entries(attrs || {})) {
        if (v === undefined || v === null) continue;
        if (k === 'class') e.className = v;
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v);
      }
      for (const c of kids.flat(Infinity)) { if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c)); }
      return e;
    }
    function sv(tag, attrs, ...kids) {
      const e = document.createElementNS(svgNS, tag);
      for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
      for (const c of kids.flat(Infinity)) { if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c)); }
      return e;
    }
    const fmt = (x) => typeof x === 'number' ? (Number.isInteger(x) ? String(x) : x.toPrecision(5)) : (x ?? '-');
    const when = (sec) => sec ? new Date(sec * 1000).toISOString().replace('T', ' ').slice(0, 19) : '-';
    const stateTag = (s) => el('span', { class: 'state ' + s }, s);

    async function api(path, opts) {
      opts = opts || {};
      const headers = { 'Authorization': 'Bearer ' + S.token };
      if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
      const r = await fetch('/api/v1' + path, { method: opts.method || 'GET', headers, cache: 'no-store',
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
      const text = await r.text();
      let data = null;
      try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
      if (!r.ok) {
        const err = new Error(data && data.error ? data.error.message : 'HTTP ' + r.status);
        err.status = r.status;
        throw err;
      }
      return data;
    }

    function banner(message, info) {
      const b = document.getElementById('banner');
      b.textContent = message || '';
      b.className = 'banner' + (message ? '' : ' hidden') + (info ? ' info' : '');
    }

    function table(headers, rows, onclick) {
      return el('table', {}, el('tr', {}, headers.map((h) => el('th', {}, h))),
        rows.map((r, i) => el('tr', onclick ? { class: 'link', onclick: () => onclick(i), 'data-row': i } : {},
          r.map((c) => el('td', {}, c)))));
    }

    // ---- plots -------------------------------------------------------------
    function bars(items, opts) {
      const w = opts.width || 520, rowH = 20, h = items.length * rowH + 10;
      const max = Math.max(1, ...items.map((i) => i.value));
      return sv('svg', { width: w, height: h, role: 'img', 'aria-label': opts.label, class: 'plot' },
        items.map((it, i) => [
          sv('text', { x: 4, y: i * rowH + 19 }, it.label),
          sv('rect', { x: 140, y: i * rowH + 6, height: 14, width: Math.max(1, (w - 210) * it.value / max), fill: it.color || '#1565c0' }),
          sv('text', { x: 146 + (w - 210) * it.value / max, y: i * rowH + 19 }, fmt(it.value)),
        ]));
    }

    function lineChart(title, points) {
      const w = 420, h = 180, pad = 36;
      const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
      const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
      const X = (x) => pad + (x1 === x0 ? (w - 2 * pad) / 2 : (x - x0) * (w - 2 * pad) / (x1 - x0));
      const Y = (y) => h - pad + (y1 === y0 ? -(h - 2 * pad) / 2 : -(y - y0) * (h - 2 * pad) / (y1 - y0));
      const path = points.map((p, i) => (i ? 'L' : 'M') + X(p.x).toFixed(1) + ' ' + Y(p.y).toFixed(1)).join(' ');
      return sv('svg', { width: w, height: h, role: 'img', 'aria-label': title, class: 'plot metric-plot' },
        sv('text', { x: pad, y: 16 }, title),
        sv('line', { x1: pad, y1: h - pad, x2: w - pad, y2: h - pad, stroke: '#999' }),
        sv('line', { x1: pad, y1: pad, x2: pad, y2: h - pad, stroke: '#999' }),
        sv('text', { x: 2, y: pad + 4 }, fmt(y1)), sv('text', { x: 2, y: h - pad }, fmt(y0)),
        sv('path', { d: path, fill: 'none', stroke: '#1565c0', 'stroke-width': 2 }),
        points.map((p) => [sv('circle', { cx: X(p.x), cy: Y(p.y), r: 4, fill: '#1565c0' }),
          sv('text', { x: X(p.x) - 6, y: h - pad + 16 }, 'v' + p.x)]));
    }

    function timeline(jobs) {
      const done = jobs.filter((j) => j.startedAt);
      if (!done.length) return el('p', { class: 'muted' }, 'no jobs yet');
      const t0 = Math.min(...done.map((j) => j.startedAt));
      const t1 = Math.max(...done.map((j) => j.finishedAt || Date.now() / 1000));
      const w = 640, rowH = 16, left = 150, span = Math.max(t1 - t0, 0.001);
      const color = (s) => s === 'succeeded' ? '#2e7d32' : (s === 'failed' ? '#c62828' : '#1565c0');
      return sv('svg', { width: w, height: done.length * rowH + 24, role: 'img', 'aria-label': 'job timeline', class: 'plot' },
        done.map((j, i) => {
          const x = left + (j.startedAt - t0) / span * (w - left - 10);
          const x2 = left + ((j.finishedAt || t1) - t0) / span * (w - left - 10);
          return [sv('text', { x: 4, y: i * rowH + 13 }, j.step + ' #' + j.jobID + (j.attempt > 1 ? ' try ' + j.attempt : '')),
            sv('rect', { x, y: i * rowH + 3, width: Math.max(2, x2 - x), height: 11, fill: color(j.status) })];
        }),
        sv('text', { x: left, y: done.length * rowH + 18 }, '0 s'),
        sv('text', { x: w - 60, y: done.length * rowH + 18 }, span.toFixed(2) + ' s'));
    }

    // The run's DAG: steps in columns by depth (longest chain of needs), edges from each need.
    function dag(steps) {
      const byName = Object.fromEntries(steps.map((s) => [s.name, s]));
      const depth = {};
      const depthOf = (n, seen) => {
        if (depth[n] !== undefined) return depth[n];
        if (seen.has(n)) return 0;
        seen.add(n);
        const needs = (byName[n] && byName[n].needs) || [];
        return (depth[n] = needs.length ? 1 + Math.max(...needs.map((m) => depthOf(m, seen))) : 0);
      };
      steps.forEach((s) => depthOf(s.name, new Set()));
      const columns = [];
      for (const s of steps) (columns[depth[s.name]] = columns[depth[s.name]] || []).push(s);
      const nodeW = 120, nodeH = 34, gapX = 40, gapY = 14;
      const pos = {};
      columns.forEach((col, x) => col.forEach((s, y) => { pos[s.name] = { x: 10 + x * (nodeW + gapX), y: 10 + y * (nodeH + gapY) }; }));
      const w = 20 + columns.length * (nodeW + gapX) - gapX, h = 20 + Math.max(...columns.map((c) => c.length)) * (nodeH + gapY) - gapY;
      const color = { succeeded: '#2e7d32', cached: '#2e7d32', failed: '#c62828', blocked: '#c62828', running: '#1565c0',
        checking: '#1565c0', deciding: '#1565c0', lookingUp: '#1565c0', skipped: '#bdbdbd' };
      return sv('svg', { id: 'run-dag', width: w, height: h, role: 'img', 'aria-label': 'pipeline DAG', class: 'plot' },
        steps.flatMap((s) => ((s.needs) || []).filter((n) => pos[n]).map((n) => sv('path', { class: 'dag-edge', 'data-from': n, 'data-to': s.name,
          d: 'M' + (pos[n].x + nodeW) + ' ' + (pos[n].y + nodeH / 2) + ' C' + (pos[n].x + nodeW + gapX / 2) + ' ' + (pos[n].y + nodeH / 2) + ' ' +
            (pos[s.name].x - gapX / 2) + ' ' + (pos[s.name].y + nodeH / 2) + ' ' + pos[s.name].x + ' ' + (pos[s.name].y + nodeH / 2),
          fill: 'none', stroke: '#90a4ae', 'stroke-width': 1.5 }))),
        steps.map((s) => sv('g', { class: 'dag-node', 'data-step': s.name, 'data-status': s.status },
          sv('rect', { x: pos[s.name].x, y: pos[s.name].y, width: nodeW, height: nodeH, rx: 5, fill: color[s.status] || '#9e9e9e' }),
          sv('text', { x: pos[s.name].x + 6, y: pos[s.name].y + 14, class: 'on-dark' }, s.name),
          sv('text', { x: pos[s.name].x + 6, y: pos[s.name].y + 28, class: 'on-dark' }, s.status + (s.jobs ? ' ' + s.done + '/' + s.jobs : '')))));
    }

    // Two distributions on the same bins, side by side: reference (grey) and current (blue).
    function pairedBars(c) {
      const n = c.bins.length, w = Math.max(260, n * 26 + 50), h = 150, pad = 24, slot = (w - 2 * pad) / n;
      const max = Math.max(1e-9, ...c.reference, ...c.current);
      const bar = (v, i, k, fill) => sv('rect', { x: pad + i * slot + k * slot / 2 + 1, y: h - pad - (h - 2 * pad) * v / max,
        width: Math.max(1, slot / 2 - 2), height: (h - 2 * pad) * v / max, fill }, sv('title', {}, c.bins[i] + ': ' + (100 * v).toFixed(1) + '%'));
      return sv('svg', { width: w, height: h, role: 'img', class: 'plot drift-plot', 'data-column': c.name,
        'aria-label': 'reference and current distribution of ' + c.name },
        sv('text', { x: pad, y: 14 }, c.name + (c.drifted ? ' (drifted)' : '')),
        sv('rect', { x: w - 150, y: 5, width: 10, height: 10, fill: '#9e9e9e' }), sv('text', { x: w - 136, y: 14 }, 'reference'),
        sv('rect', { x: w - 75, y: 5, width: 10, height: 10, fill: '#1565c0' }), sv('text', { x: w - 61, y: 14 }, 'current'),
        sv('line', { x1: pad, y1: h - pad, x2: w - pad, y2: h - pad, stroke: '#999' }),
        c.reference.map((v, i) => bar(v, i, 0, '#9e9e9e')), c.current.map((v, i) => bar(v, i, 1, '#1565c0')),
        sv('text', { x: pad, y: h - 6 }, c.bins[0] || ''), sv('text', { x: w - pad - 80, y: h - 6 }, c.bins[n - 1] || ''));
    }

    function anomalyTable(items) {
      return items.length ? el('table', { id: 'anomalies' }, el('tr', {}, ['when', 'where', 'kind', 'subject', 'observed', 'typical', 'what'].map((x) => el('th', {}, x))),
        items.map((a) => el('tr', { 'data-kind': a.anomaly.kind }, [when(a.at), a.source, a.anomaly.kind, a.anomaly.subject, fmt(a.anomaly.observed),
          fmt(a.anomaly.typical), a.anomaly.message].map((x) => el('td', {}, x))))) : el('p', { class: 'muted', id: 'no-anomalies' }, 'no anomalies');
    }

    // ---- views -------------------------------------------------------------
    const views = {
      async cluster() {
        const c = await api('/cluster');
        const jobs = Object.entries(c.status.jobs).map(([k, v]) => ({ label: k, value: v }));
        return [el('h2', {}, 'Cluster'),
          el('div', { class: 'cards' },
            el('div', { class: 'card' }, 'workers alive', el('b', { id: 'workers-alive' }, c.status.workers.alive)),
            el('div', { class: 'card' }, 'slots', el('b', {}, c.status.workers.slots)),
            el('div', { class: 'card' }, 'queued', el('b', {}, c.status.jobs.queued || 0)),
            el('div', { class: 'card' }, 'running', el('b', {}, (c.status.jobs.running || 0) + (c.status.jobs.assigned || 0))),
            el('div', { class: 'card' }, 'uptime', el('b', {}, Math.round(c.status.uptimeSeconds) + ' s'))),
          el('h3', {}, 'Jobs by state'), bars(jobs, { label: 'jobs by state' }),
          el('h3', {}, 'Workers'),
          table(['name', 'state', 'slots', 'running', 'credit', 'completed', 'last seen', 'tags'],
            c.workers.map((w) => [w.name, stateTag(w.state), w.slots, w.running, w.credit, w.completed, w.lastSeenMsAgo + ' ms ago', w.tags.join(',')]))];
      },

      async jobs() {
        const params = new URLSearchParams(location.hash.split('?')[1] || '');
        const q = new URLSearchParams({ limit: '50' });
        for (const k of ['state', 'kind', 'cursor']) if (params.get(k)) q.set(k, params.get(k));
        const page = await api('/jobs?' + q);
        const state = el('select', { id: 'job-state' }, ['', 'queued', 'assigned', 'running', 'retry-wait', 'held', 'succeeded', 'failed', 'cancelled', 'timed-out']
          .map((s) => el('option', s === (params.get('state') || '') ? { value: s, selected: '' } : { value: s }, s || 'any state')));
        const kind = el('input', { id: 'job-kind', placeholder: 'kind', value: params.get('kind') || '', size: 10 });
        const go = (cursor) => {
          const p = new URLSearchParams();
          if (state.value) p.set('state', state.value);
          if (kind.value) p.set('kind', kind.value);
          if (cursor) p.set('cursor', cursor);
          location.hash = 'jobs?' + p;
        };
        return [el('h2', {}, 'Jobs'),
          el('div', { class: 'filters' }, state, kind, el('button', { onclick: () => go() }, 'Filter'),
            page.next ? el('button', { id: 'jobs-older', onclick: () => go(page.next) }, 'Older →') : null,
            params.get('cursor') ? el('button', { onclick: () => go() }, 'Newest') : null),
          table(['id', 'kind', 'state', 'attempt', 'worker'],
            page.items.map((j) => [j.id, j.kind, stateTag(j.state), j.attempt, j.worker || '-']),
            (i) => { location.hash = 'job/' + page.items[i].id; })];
      },

      async job(id) {
        const j = await api('/jobs/' + encodeURIComponent(id));
        const cancel = el('button', { id: 'job-cancel', onclick: async () => {
          try { await api('/jobs/' + j.id + '/cancel', { method: 'POST', body: {} }); banner('job ' + j.id + ' cancelled', true); render(); }
          catch (e) { banner('cancel refused: ' + e.message); }
        } }, 'Cancel job');
        return [el('h2', {}, 'Job ' + j.id + ' ', stateTag(j.state)),
          el('p', {}, j.reason),
          ['queued', 'assigned', 'running', 'retry-wait', 'held'].includes(j.state) ? cancel : null,
          table(['kind', 'priority', 'attempt', 'worker', 'params', 'metrics'],
            [[j.kind, j.priority, j.attempt, j.worker || '-', JSON.stringify(j.params), JSON.stringify(j.metrics)]]),
          el('h3', {}, 'Transitions'),
          table(['when', 'state', 'cause', 'attempt', 'worker'],
            j.history.map((t) => [when(t.atMs / 1000), stateTag(t.state), t.cause, t.attempt, t.worker || '-'])),
          el('h3', {}, 'Logs'), await logs(j.id)];
      },

      async runs() {
        const page = await api('/runs?limit=50');
        return [el('h2', {}, 'Runs'),
          page.items.length ? table(['run', 'pipeline', 'status', 'started', 'seconds'],
            page.items.map((r) => [r.id, r.pipeline, stateTag(r.status), when(r.startedAt), r.finishedAt ? (r.finishedAt - r.startedAt).toFixed(2) : '-']),
            (i) => { location.hash = 'run/' + page.items[i].id; }) : el('p', { class: 'muted' }, 'no runs yet')];
      },

      async run(id) {
        const v = await api('/runs/' + encodeURIComponent(id));
        const live = v.run;
        const status = live ? live.state : v.record.status;
        const steps = live ? live.steps.map((s) => ({ name: s.name, type: s.type, status: s.status, done: s.jobsDone, jobs: s.jobs, needs: s.needs, message: s.message || (s.cachedFrom ? 'cached from ' + s.cachedFrom : '') }))
          : v.steps.map((s) => ({ name: s.name, type: s.kind, status: s.status, done: 0, jobs: 0, message: s.message || '' }));
        const progress = (s) => s.jobs ? sv('svg', { width: 120, height: 12, class: 'progress' },
          sv('rect', { x: 0, y: 0, width: 120, height: 12, fill: '#e0e0e0' }),
          sv('rect', { x: 0, y: 0, width: 120 * s.done / s.jobs, height: 12, fill: '#2e7d32' })) : '';
        const verdict = live && live.verdict;
        return [el('h2', {}, 'Run ' + id + ' ', el('span', { id: 'run-state', class: 'state ' + status }, status)),
          live && live.message ? el('p', {}, live.message) : null,
          el('h3', {}, 'Pipeline'), live && live.steps.some((s) => s.needs) ? dag(steps) : el('p', { class: 'muted' }, 'the DAG is known while the coordinator holds the run'),
          el('h3', {}, 'Steps'),
          el('table', { id: 'run-steps' }, el('tr', {}, ['step', 'type', 'state', 'jobs', 'progress', 'note'].map((h) => el('th', {}, h))),
            steps.map((s) => el('tr', { 'data-step': s.name, 'data-status': s.status },
              el('td', {}, s.name), el('td', {}, s.type), el('td', {}, stateTag(s.status)),
              el('td', {}, s.jobs ? s.done + '/' + s.jobs : '-'), el('td', {}, progress(s)), el('td', {}, s.message)))),
          el('h3', {}, 'Job timeline'), timeline(v.jobs),
          verdict ? [el('h3', {}, 'Verdict ', stateTag(verdict.passed ? 'passed' : 'rejected')),
            table(['metric', 'kind', 'candidate', 'baseline', 'threshold', 'passed', 'reason'],
              verdict.checks.map((c) => [c.metric, c.kind, fmt(c.candidate), fmt(c.baseline), c.threshold, c.passed ? 'yes' : 'no', c.reason]))] : null,
          el('h3', {}, 'Metrics'),
          table(['metric', 'value'], Object.entries(v.metrics).sort().map(([k, x]) => [k, fmt(x)])),
          el('h3', {}, 'Params'),
          table(['param', 'value'], Object.entries(v.params).sort().map(([k, x]) => [k, x])),
          el('h3', {}, 'Anomalies'), anomalyTable((v.anomalies || []).map((a) => ({ at: v.record ? v.record.startedAt : 0, source: 'this run', anomaly: a })))];
      },

      async models() {
        const page = await api('/models');
        return [el('h2', {}, 'Models'),
          page.items.length ? table(['model', 'versions', 'latest', 'aliases'],
            page.items.map((m) => [m.name, m.versions, m.latestVersion ?? '-', Object.entries(m.aliases).map(([a, v]) => a + '=' + v).join(' ')]),
            (i) => { location.hash = 'model/' + page.items[i].name; }) : el('p', { class: 'muted' }, 'no models yet')];
      },

      async model(name) {
        const m = await api('/models/' + encodeURIComponent(name));
        const reason = el('input', { id: 'promote-reason', placeholder: 'reason (needed without a passing verdict)', size: 36 });
        const act = async (path, body, what) => {
          try {
            const r = await api('/models/' + encodeURIComponent(name) + path, { method: 'POST', body });
            const move = r.move || r;
            banner(what + ': ' + name + '@' + (move.alias || 'champion') + ' → version ' + (move.toVersion ?? '?'), true);
            await render(true);
          } catch (e) { banner(what + ' refused: ' + e.message); }
        };
        const promote = (v) => el('button', { class: 'promote', 'data-version': v.version,
          onclick: () => act('/promote', { version: v.version, reason: reason.value || undefined }, 'promoted') }, 'Promote');
        const plots = Object.entries(m.metricHistory).sort().map(([k, pts]) => lineChart(k, pts.map((p) => ({ x: p.version, y: p.value }))));
        return [el('h2', {}, 'Model ' + name),
          el('div', { class: 'filters' }, reason,
            el('button', { id: 'rollback', onclick: () => act('/rollback', { reason: reason.value || 'rollback from the dashboard' }, 'rolled back') }, 'Roll back champion')),
          table(['version', 'aliases', 'created', 'run', 'metrics', ''],
            m.versions.map((v) => [v.version, v.aliases.join(', '), when(v.createdAt), v.runID || '-',
              Object.entries(v.metrics).sort().map(([k, x]) => k + '=' + fmt(x)).join(' '), promote(v)])),
          el('h3', {}, 'Metric history'), el('div', { class: 'cards' }, plots),
          el('h3', {}, 'Verdicts'),
          m.verdicts.length ? table(['id', 'candidate', 'baseline', 'passed', 'checks', 'run'],
            m.verdicts.map((v) => [v.id, v.candidateVersion, v.baselineVersion ?? 'none', stateTag(v.verdict.passed ? 'passed' : 'rejected'),
              (v.verdict.checks || []).map((c) => c.metric + (c.passed ? ' ✓' : ' ✗')).join(', '), v.runID || '-'])) : el('p', { class: 'muted' }, 'no verdicts'),
          el('h3', {}, 'Alias history'),
          table(['when', 'alias', 'move', 'kind', 'who', 'why'],
            m.aliasHistory.map((a) => [when(a.at), '@' + a.alias, (a.fromVersion ?? '-') + ' → ' + a.toVersion, a.kind, a.actor, a.reason]))];
      },

      async datasets() {
        const page = await api('/datasets');
        return [el('h2', {}, 'Datasets'),
          page.items.length ? table(['dataset', 'spans', 'rows', 'latest span', 'updated'],
            page.items.map((d) => [d.name, d.spans, d.rows, d.latestSpan, when(d.updatedAt)]),
            (i) => { location.hash = 'dataset/' + page.items[i].name; }) : el('p', { class: 'muted' }, 'no datasets yet')];
      },

      async dataset(name) {
        const d = await api('/datasets/' + encodeURIComponent(name));
        return [el('h2', {}, 'Dataset ' + name),
          el('h3', {}, 'Rows per span'), bars(d.spans.map((s) => ({ label: 'span ' + s.span, value: s.rows })), { label: 'rows per span' }),
          table(['span', 'rows', 'digest', 'schema', 'added'],
            d.spans.map((s) => [s.span, s.rows, s.digest, s.schemaDigest || '-', when(s.createdAt)])),
          el('h3', {}, 'Drift'), await drift(name)];
      },

      async anomalies() {
        const a = await api('/anomalies?limit=50');
        return [el('h2', {}, 'Anomalies'), el('p', { class: 'muted' }, 'against each pipeline\'s history: the newest ' + a.runsSearched + ' runs and each dataset\'s newest span'),
          anomalyTable(a.items)];
      },
    };

    // A dataset's drift report: per column, the statistics and the two distributions side by side.
    async function drift(name) {
      const q = new URLSearchParams(location.hash.split('?')[1] || '');
      let r;
      try { r = await api('/datasets/' + encodeURIComponent(name) + '/drift' + (q.toString() ? '?' + q : '')); }
      catch (e) { return el('p', { class: 'muted', id: 'no-drift' }, e.message); }
      const c = r.comparison;
      const pick = (which, value) => el('select', { id: 'drift-' + which, onchange: (e) => {
          const p = new URLSearchParams({ current: r.current.runID, reference: r.reference.runID });
          p.set(which, e.target.value);
          location.hash = 'dataset/' + encodeURIComponent(name) + '?' + p;
        } }, r.validations.map((v) => el('option', v.runID === value ? { value: v.runID, selected: '' } : { value: v.runID }, v.runID + ' (span ' + v.span + ')')));
      return [el('p', { id: 'drift-summary' }, 'current ', pick('current', r.current.runID), ' (' + c.currentRows + ' rows) against reference ',
          pick('reference', r.reference.runID), ' (' + c.referenceRows + ' rows, ' + r.referenceIs + '): ',
          el('b', {}, c.driftedCount + ' of ' + c.columns.length + ' columns drifted')),
        el('table', { id: 'drift-columns' }, el('tr', {}, ['column', 'type', 'measure', 'value', 'threshold', 'drifted', 'mean ref → cur', 'missing ref / cur'].map((x) => el('th', {}, x))),
          c.columns.map((x) => el('tr', { 'data-column': x.name, 'data-drifted': String(x.drifted) }, [x.name, x.type, x.measure, fmt(x.value), fmt(x.threshold),
            stateTag(x.drifted ? 'failed' : 'passed'), x.referenceMean === null || x.referenceMean === undefined ? '-' : fmt(x.referenceMean) + ' → ' + fmt(x.currentMean),
            x.referenceMissing + ' / ' + x.currentMissing].map((v) => el('td', {}, v))))),
        el('div', { class: 'cards' }, c.columns.slice().sort((a, b) => (b.drifted - a.drifted) || ((b.value || 0) - (a.value || 0))).map(pairedBars))];
    }

    // A job's stdout and stderr (command jobs; other kinds have none), the last 1 MiB of each.
    async function logs(id) {
      const parts = [];
      for (const stream of ['stdout', 'stderr']) {
        let text = '';
        try {
          const r = await api('/jobs/' + id + '/logs?stream=' + stream);
          text = r.text || '';
        } catch (e) { text = '(' + e.message + ')'; }
        parts.push(el('h4', {}, stream), el('pre', { id: 'job-' + stream, class: 'log' }, text || '(empty)'));
      }
      return parts;
    }

    function route() {
      const hash = location.hash.slice(1).split('?')[0] || 'cluster';
      const [view, ...rest] = hash.split('/');
      return { view: views[view] ? view : 'cluster', arg: rest.length ? decodeURIComponent(rest.join('/')) : undefined };
    }

    async function render(keepBanner) {
      const { view, arg } = route();
      for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', view.startsWith(a.dataset.view.replace(/s$/, '')));
      if (!S.token) return;
      try {
        const content = await views[view](arg);
        const main = document.getElementById('main');
        main.replaceChildren(...[content].flat(3).filter((c) => c !== null && c !== undefined));
        main.dataset.view = view;
        main.dataset.rendered = String(Date.now());
        if (!keepBanner) banner('');
      } catch (e) {
        banner(e.status === 401 ? 'the token was refused: ' + e.message : e.message);
      }
    }

    function refreshSoon() {
      if (S.pending) return;
      S.pending = setTimeout(() => { S.pending = null; render(true); }, 300);
    }

    // ---- live updates: server-sent events over fetch ------------------------
    async function follow() {
      if (S.abort) S.abort.abort();
      const abort = new AbortController();
      S.abort = abort;
      const badge = document.getElementById('live');
      while (!abort.signal.aborted && S.token) {
        try {
          const headers = { 'Authorization': 'Bearer ' + S.token };
          if (S.lastEventId) headers['Last-Event-ID'] = S.lastEventId;
          // Not per-job `job` events (hundreds of thousands a second on a busy coordinator): `jobs`
          // counts change whenever a job does, which is all a page needs to refresh.
          const r = await fetch('/api/v1/events?types=jobs,run,verdict,rejection,promotion,rollout,gap', { headers, signal: abort.signal, cache: 'no-store' });
          if (!r.ok) { badge.textContent = 'offline'; badge.className = 'badge off'; await sleep(5000); continue; }
          badge.textContent = 'live'; badge.className = 'badge on';
          const reader = r.body.getReader(), decoder = new TextDecoder();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += decoder.decode(value, { stream: true });
            let cut;
            while ((cut = buffer.indexOf('\n\n')) >= 0) {
              const frame = buffer.slice(0, cut);
              buffer = buffer.slice(cut + 2);
              onFrame(frame);
            }
          }
        } catch (e) {
          if (abort.signal.aborted) return;
        }
        badge.textContent = 'reconnecting'; badge.className = 'badge off';
        await sleep(1000);
      }
    }

    function onFrame(frame) {
      let type = 'message', id = null;
      for (const line of frame.split('\n')) {
        if (line.startsWith('event: ')) type = line.slice(7);
        else if (line.startsWith('id: ')) id = line.slice(4);
      }
      if (id) S.lastEventId = id;
      if (type === 'message') return;
      const { view } = route();
      const relevant = { cluster: ['jobs'], jobs: ['jobs'], job: ['jobs'], runs: ['run'], run: ['run', 'verdict', 'jobs'],
        models: ['promotion', 'verdict'], model: ['promotion', 'verdict'], datasets: ['run'], dataset: ['run'], anomalies: ['run'] }[view] || [];
      if (relevant.includes(type) || type === 'reset') refreshSoon();
    }

    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

    document.addEventListener('DOMContentLoaded', () => {
      const input = document.getElementById('token');
      input.value = S.token;
      document.getElementById('token-form').addEventListener('submit', (e) => {
        e.preventDefault();
        S.token = input.value.trim();
        sessionStorage.setItem('drover.token', S.token);
        render();
        follow();
      });
      window.addEventListener('hashchange', () => render());
      if (S.token) { render(); follow(); }
    });
    """#
}
