// The job page: lists the tenant's jobs (GET /v1/jobs), draws each one's loss history (GET /v1/jobs/:id) as
// an SVG polyline, and grows it from the job's server-sent events (GET /v1/jobs/:id/watch, read with fetch so
// the token travels in the Authorization header). The token comes from #token=… or the form, and stays in
// this tab's sessionStorage.
'use strict';

const MAX_POINTS = 2000; // drawn; longer histories are thinned evenly
const W = 400, H = 120, PAD = 4;
const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const shown = new Map(); // job id → { el, losses, state }

let token = sessionStorage.getItem('gradd-token') || '';
const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
if (fromHash) {
  token = fromHash;
  sessionStorage.setItem('gradd-token', token);
  history.replaceState(null, '', location.pathname); // keep the token out of the address bar
}
document.getElementById('token').value = token;
document.getElementById('auth').addEventListener('submit', (e) => {
  e.preventDefault();
  token = document.getElementById('token').value.trim();
  sessionStorage.setItem('gradd-token', token);
  refresh();
});

const headers = () => (token ? { authorization: `Bearer ${token}` } : {});
const stateName = (s) => String(s ?? '').replace('JOB_STATE_', '');
const num = (v) => (typeof v === 'string' ? Number(v) : v);
const status = (text) => { document.getElementById('status').textContent = text; };

async function api(path) {
  const res = await fetch(path, { headers: headers() });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status}`);
  return body;
}

async function refresh() {
  try {
    const { jobs = [] } = await api('/v1/jobs?pageSize=100');
    status('');
    for (const job of jobs) if (!shown.has(job.id)) await add(job.id); // oldest first, each on top: newest at the top
  } catch (e) {
    status(String(e.message ?? e));
  }
}

async function add(id) {
  shown.set(id, null); // a refresh that overlaps this one skips it
  const job = await api(`/v1/jobs/${encodeURIComponent(id)}`);
  const el = document.createElement('section');
  el.className = 'job';
  el.dataset.id = id;
  el.innerHTML = '<header><span class="id"></span><span class="state"></span></header><div class="stats"></div>'
    + `<svg viewBox="0 0 ${W} ${H}" preserveAspectRatio="none"><polyline points=""></polyline><text class="hi" x="${W - 4}" y="10" text-anchor="end"></text><text class="lo" x="${W - 4}" y="${H - 3}" text-anchor="end"></text></svg>`;
  el.querySelector('.id').textContent = `${id} · ${job.optimizer?.name ?? ''} · model ${job.modelId.slice(0, 12)}`;
  document.getElementById('jobs').prepend(el);
  const entry = { el, job, losses: (job.lossHistory ?? []).map(num), state: stateName(job.state) };
  shown.set(id, entry);
  render(entry, job.progress ?? {});
  if (!FINAL.has(entry.state)) watch(id, entry);
}

/** Reads the job's event stream; each progress event adds a point. Reconnects while the job is not final. */
async function watch(id, entry) {
  while (!FINAL.has(entry.state)) {
    try {
      const res = await fetch(`/v1/jobs/${encodeURIComponent(id)}/watch`, { headers: { ...headers(), accept: 'text/event-stream' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const reader = res.body.getReader(), dec = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let at;
        while ((at = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, at);
          buf = buf.slice(at + 2);
          const event = /^event: ?(.*)$/m.exec(block)?.[1], data = /^data: ?(.*)$/m.exec(block)?.[1];
          if (event === 'progress' && data) await progress(entry, JSON.parse(data));
        }
      }
    } catch { /* the server went away: retry below */ }
    if (!FINAL.has(entry.state)) await new Promise((r) => setTimeout(r, 2000));
  }
}

async function progress(entry, p) {
  const step = p.step ?? 0;
  // Events are thinned under load: a gap is filled with the latest loss until the job ends, when GetJob gives every step.
  if (step > entry.losses.length && p.loss !== undefined) while (entry.losses.length < step) entry.losses.push(num(p.loss));
  entry.state = stateName(p.state);
  if (FINAL.has(entry.state)) {
    entry.job = await api(`/v1/jobs/${encodeURIComponent(entry.job.id)}`);
    entry.losses = (entry.job.lossHistory ?? []).map(num);
  }
  render(entry, p);
}

function render(entry, p) {
  const { el, job, losses, state } = entry;
  const s = el.querySelector('.state');
  s.textContent = state;
  s.className = `state ${state}`;
  const sps = num(p.stepsPerSecond) ? ` · ${num(p.stepsPerSecond).toFixed(1)} steps/s` : '';
  el.querySelector('.stats').textContent = `step ${p.step ?? 0} of ${job.steps} · loss ${p.loss === undefined ? '–' : num(p.loss).toPrecision(6)}`
    + ` · elapsed ${p.elapsed ?? '0s'}${sps}${job.errorMessage ? ` · ${job.errorCode}: ${job.errorMessage}` : ''}`;
  const finite = losses.filter(Number.isFinite);
  if (!finite.length) return;
  const log = finite.every((v) => v > 0), f = (v) => (log ? Math.log10(v) : v);
  const lo = Math.min(...finite.map(f)), hi = Math.max(...finite.map(f)), span = hi - lo || 1;
  const stride = Math.max(1, Math.ceil(losses.length / MAX_POINTS)), pts = [];
  for (let i = 0; i < losses.length; i += stride) {
    if (!Number.isFinite(losses[i])) continue;
    const x = PAD + (W - 2 * PAD) * (losses.length > 1 ? i / (losses.length - 1) : 0);
    const y = PAD + (H - 2 * PAD) * (1 - (f(losses[i]) - lo) / span);
    pts.push(`${x.toFixed(1)},${y.toFixed(1)}`);
  }
  el.querySelector('polyline').setAttribute('points', pts.join(' '));
  const label = (v) => (log ? 10 ** v : v).toPrecision(3);
  el.querySelector('.hi').textContent = `${label(hi)}${log ? ' (log scale)' : ''}`;
  el.querySelector('.lo').textContent = label(lo);
}

refresh();
setInterval(refresh, 5000);
