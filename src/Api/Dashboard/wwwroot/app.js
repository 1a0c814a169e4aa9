// WaOrleans dashboard: plain JavaScript over the REST API, no build step, no third-party code.
// The key lives in sessionStorage (gone when the tab closes) and travels only in the
// Authorization header: the event stream is read with fetch() streaming, never with an
// EventSource URL that would carry the key into access logs.
'use strict';

const KEY_STORAGE = 'waorleans.key';
const LOGIN_KEY_ID_STORAGE = 'waorleans.loginKeyId';
const STREAM_RETRY_MS = 2000;
const BROADCAST_POLL_MS = 1000;
const OVERVIEW_POLL_MS = 5000;
const LOG_PAGE = 50;

const state = {
  key: sessionStorage.getItem(KEY_STORAGE),
  demo: null,
  sessions: [],
  selected: null,
  stream: null,
  logCursor: null,
  webhook: null,
  broadcastTimer: null,
  overviewTimer: null,
};

const $ = (id) => document.getElementById(id);

// ---- API ----------------------------------------------------------------------------------

// The API's one error shape: {"error": {"status", "code", "message", "field"}}.
class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || body || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code;
    this.field = error.field;
  }
}

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (state.key) headers.Authorization = `Bearer ${state.key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { message: text }; }
  }
  if (res.status === 401 && path !== '/api/dashboard/login') {
    signOut('Your key was refused; sign in again.');
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// Lists are {"items": [...]}; enums are snake_case words.
const items = (x) => (Array.isArray(x) ? x : (x && x.items) || []);
const sessionId = (s) => s.id;
const snake = (v) => String(v ?? '');
const sessionStatus = (s) => snake(s.status);
const enc = encodeURIComponent;

// ---- small DOM helpers (textContent only: message texts and names are untrusted) -----------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const badge = (s) => h('span', { class: `status ${snake(s)}` }, snake(s) || '–');
const time = (t) => (t ? new Date(t).toLocaleString() : '');

function fill(tbody, rows, empty) {
  tbody.replaceChildren(...(rows.length ? rows : [h('tr', {}, h('td', { colspan: 9, class: 'small' }, empty))]));
}

function toast(message, isError) {
  const el = h('div', { class: isError ? 'error' : '' }, message);
  $('toast').append(el);
  setTimeout(() => el.remove(), isError ? 8000 : 4000);
}

// Enables or disables a button by what the page shows (a session's state, a job's end); a button
// busy with its own action stays disabled until the action ends, then takes this state.
function setEnabled(button, enabled) {
  button.dataset.locked = String(!enabled);
  button.disabled = !enabled || button.dataset.busy === 'true';
}

// Runs an action from a button or form, showing its error instead of failing silently. The button
// is disabled while the action runs; afterwards it is enabled unless setEnabled locked it meanwhile.
function guard(fn) {
  return async (event) => {
    if (event && event.preventDefault) event.preventDefault();
    const button = event && event.submitter ? event.submitter : (event && event.currentTarget instanceof HTMLButtonElement ? event.currentTarget : null);
    if (button) {
      button.dataset.busy = 'true';
      button.disabled = true;
    }
    try {
      await fn(event);
    } catch (err) {
      toast(err.field ? `${err.message} (${err.field})` : err.message, true);
    } finally {
      if (button) {
        delete button.dataset.busy;
        button.disabled = button.dataset.locked === 'true';
      }
    }
  };
}

// ---- sign in / navigation -----------------------------------------------------------------

async function signIn(key, loginKeyId) {
  state.key = key;
  await api('GET', '/api/sessions'); // throws on a wrong key
  sessionStorage.setItem(KEY_STORAGE, key);
  if (loginKeyId) sessionStorage.setItem(LOGIN_KEY_ID_STORAGE, loginKeyId);
  await start();
}

function signOut(message) {
  stopStream();
  // A password sign-in minted an admin key for this tab: revoke it on the way out.
  const loginKeyId = sessionStorage.getItem(LOGIN_KEY_ID_STORAGE);
  if (loginKeyId && state.key && !message) api('DELETE', `/api/keys/${enc(loginKeyId)}`).catch(() => {});
  state.key = null;
  sessionStorage.removeItem(KEY_STORAGE);
  sessionStorage.removeItem(LOGIN_KEY_ID_STORAGE);
  $('nav').hidden = true;
  $('signin-error').textContent = message || '';
  show('signin');
}

function show(view) {
  for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== `view-${view}`;
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.getAttribute('href') === `#${view}`);
  clearInterval(state.overviewTimer);
  if (view === 'overview') {
    refreshOverview();
    state.overviewTimer = setInterval(() => refreshOverview().catch(() => {}), OVERVIEW_POLL_MS);
  }
  const loaders = { sessions: refreshSessions, webhooks: refreshWebhooks, keys: refreshKeys, messages: refreshLog };
  if (loaders[view]) guard(loaders[view])();
}

function route() {
  if (!state.key) return show('signin');
  const view = (location.hash || '#overview').slice(1);
  show(document.getElementById(`view-${view}`) ? view : 'overview');
}

async function start() {
  $('nav').hidden = false;
  try {
    state.demo = await api('GET', '/api/demo');
  } catch {
    state.demo = null; // 404 outside demo mode
  }
  $('demo-badge').hidden = !state.demo;
  await loadSessions();
  route();
}

// ---- overview -------------------------------------------------------------------------------

async function refreshOverview() {
  await loadSessions();
  const byStatus = {};
  for (const s of state.sessions) byStatus[sessionStatus(s)] = (byStatus[sessionStatus(s)] || 0) + 1;
  $('ov-sessions').textContent = state.sessions.length;
  $('ov-by-status').replaceChildren(...Object.entries(byStatus).map(([k, v]) => h('div', {}, badge(k), ` ${v}`)));
  try {
    const usage = await api('GET', '/api/usage');
    $('ov-today').textContent = usage.messagesToday.used;
    $('ov-limit').textContent = usage.messagesToday.allowed ? `daily limit ${usage.messagesToday.allowed} (tenant ${usage.tenantId})` : `tenant ${usage.tenantId}, no daily limit`;
  } catch {
    $('ov-today').textContent = '–';
  }
  try {
    const hooks = items(await api('GET', '/api/webhooks'));
    const failing = hooks.filter((w) => w.failingSince || w.enabled === false);
    $('ov-failing').textContent = failing.length;
    $('ov-failing-list').replaceChildren(...failing.map((w) => h('div', {}, w.url, ' ', w.enabled === false ? badge('disabled') : badge('failed'))));
  } catch {
    $('ov-failing').textContent = '–';
  }
}

// ---- sessions -------------------------------------------------------------------------------

async function loadSessions() {
  state.sessions = items(await api('GET', '/api/sessions'));
  for (const select of document.querySelectorAll('.session-select')) {
    const current = select.value || (state.selected ?? '');
    const options = state.sessions.map((s) => h('option', { value: sessionId(s) }, `${sessionId(s)} (${sessionStatus(s)})`));
    if (select.dataset.any) options.unshift(h('option', { value: '' }, select.dataset.any));
    select.replaceChildren(...options);
    if (current && state.sessions.some((s) => sessionId(s) === current)) select.value = current;
  }
}

async function refreshSessions() {
  await loadSessions();
  const rows = state.sessions.map((s) => {
    const id = sessionId(s);
    return h('tr', { 'data-session': id, class: id === state.selected ? 'selected' : '' },
      h('td', {}, h('a', { href: '#sessions', onclick: (e) => { e.preventDefault(); selectSession(id); } }, id)),
      h('td', {}, s.name ?? ''),
      h('td', { class: 'session-status' }, badge(sessionStatus(s))),
      h('td', {}, s.meJid ?? ''),
      h('td', {}, h('button', { type: 'button', class: 'secondary', onclick: () => selectSession(id) }, 'Open')));
  });
  fill($('sessions-table').tBodies[0], rows, 'No sessions yet: create one above.');
  if (state.selected) renderSession(state.sessions.find((s) => sessionId(s) === state.selected));
}

async function selectSession(id) {
  state.selected = id;
  $('sd-events').replaceChildren();
  $('session-detail').hidden = false;
  await refreshSessions();
  startStream(id);
}

function renderSession(s) {
  if (!s) {
    $('session-detail').hidden = true;
    return;
  }
  const status = sessionStatus(s);
  $('sd-id').textContent = sessionId(s);
  $('sd-status').className = `status ${status}`;
  $('sd-status').textContent = status;
  $('sd-me').textContent = s.meJid ? `Linked to ${s.meJid}` : 'Not linked yet.';
  $('sd-reason').textContent = s.reason ?? '';
  $('sd-qr-box').hidden = status !== 'qr';
  // The list comes from the session directory, which does not hold the code: ask the session itself.
  if (status !== 'pairing_code') {
    setEnabled($('sd-demo-code'), false);
    $('sd-code-box').hidden = true;
    $('sd-code').textContent = '';
  } else if (s.pairingCode) {
    showPairingCode(s.pairingCode);
  } else {
    refreshPairingCode(sessionId(s)).catch((err) => toast(err.message, true));
  }
  $('sd-demo').hidden = !state.demo;
  setEnabled($('sd-demo-scan'), status === 'qr');
  setEnabled($('sd-demo-incoming'), Boolean(s.meJid));
  if (state.demo) $('sd-demo-contact').textContent = `+${state.demo.contactPhone} (${state.demo.contactName})`;
  if (status === 'qr') refreshQr(sessionId(s));
}

function showPairingCode(code) {
  $('sd-code').textContent = formatPairingCode(code);
  $('sd-code-box').hidden = !code;
  setEnabled($('sd-demo-code'), Boolean(code) && Boolean($('sd-pair-phone').value.trim()));
}

async function refreshPairingCode(id) {
  const s = await api('GET', `/api/sessions/${enc(id)}`);
  if (id === state.selected && sessionStatus(s) === 'pairing_code') showPairingCode(s.pairingCode);
}

// WhatsApp shows a pairing code as two groups of four (ABCD-EFGH); the phone accepts it either way.
function formatPairingCode(code) {
  const plain = String(code ?? '').replace(/[^0-9A-Za-z]/g, '').toUpperCase();
  return plain.length === 8 ? `${plain.slice(0, 4)}-${plain.slice(4)}` : plain;
}

async function refreshQr(id) {
  try {
    const qr = await api('GET', `/api/sessions/${enc(id)}/qr`);
    const src = qr.dataUrl;
    if (src && $('sd-qr').getAttribute('src') !== src) {
      $('sd-qr').src = src;
      $('sd-qr').dataset.qr = String(Date.now());
    }
  } catch (err) {
    if (err.status !== 404 && err.status !== 409) throw err;
  }
}

async function sessionAction(action, body) {
  const id = state.selected;
  const path = action === 'delete' ? `/api/sessions/${enc(id)}` : `/api/sessions/${enc(id)}/${action}`;
  const result = await api(action === 'delete' ? 'DELETE' : 'POST', path, action === 'delete' ? undefined : (body ?? {}));
  if (action === 'delete') {
    stopStream();
    state.selected = null;
    $('session-detail').hidden = true;
    toast(`Session ${id} deleted`);
  }
  await refreshSessions();
  return result;
}

// ---- the event stream: fetch() with the Authorization header, parsed as text/event-stream ----

function stopStream() {
  if (state.stream) state.stream.abort();
  state.stream = null;
}

function startStream(id) {
  stopStream();
  const controller = new AbortController();
  state.stream = controller;
  let lastEventId = null;
  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${state.key}` };
        if (lastEventId) headers['Last-Event-ID'] = lastEventId;
        const res = await fetch(`/api/sessions/${enc(id)}/events`, { headers, signal: controller.signal });
        if (!res.ok || !res.body) throw new Error(`event stream: HTTP ${res.status}`);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, '\n');
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = parseEvent(block);
            if (event.id) lastEventId = event.id;
            if (event.data !== undefined) onSessionEvent(id, event);
          }
        }
      } catch (err) {
        if (controller.signal.aborted) return;
      }
      await new Promise((r) => setTimeout(r, STREAM_RETRY_MS));
    }
  };
  run();
}

function parseEvent(block) {
  const event = { type: 'message' };
  const data = [];
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event.type = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') event.id = value;
  }
  if (data.length) event.data = data.join('\n');
  return event;
}

function onSessionEvent(id, event) {
  if (id !== state.selected) return;
  let payload = null;
  try { payload = JSON.parse(event.data); } catch { payload = null; }
  const type = (payload && (payload.event || payload.type)) || event.type;
  const data = (payload && payload.data) || payload || {};
  // Never print the QR string itself: it is a pairing secret.
  const summary = type === 'session.qr' ? 'new QR code'
    : data.state || data.status ? `${snake(data.state ?? data.status)}${data.reason ? ` (${data.reason})` : ''}`
    : data.text ?? data.messageId ?? data.id ?? '';
  $('sd-events').prepend(h('li', {}, `${new Date().toLocaleTimeString()} ${type} ${summary}`));
  if (type.startsWith('session.')) {
    refreshSessions().catch(() => {});
  }
}

// ---- messages -------------------------------------------------------------------------------

async function sendMessage() {
  const session = $('send-session').value;
  const type = $('send-type').value;
  const text = $('send-text').value;
  const body = { to: $('send-to').value.trim(), type };
  if (type === 'text') {
    body.text = text;
  } else {
    const media = {};
    const file = $('send-file').files[0];
    if (file) {
      media.base64 = await readBase64(file);
      media.mimeType = file.type || 'application/octet-stream';
      media.fileName = file.name;
    } else {
      media.url = $('send-url').value.trim();
      // The API needs a document's file name: take the URL's last path segment, as a browser would.
      if (type === 'document') media.fileName = fileNameOf(media.url);
    }
    body.media = media;
    if (text) body.caption = text;
  }
  const result = await api('POST', `/api/sessions/${enc(session)}/messages`, body);
  $('send-result').textContent = `Message ${result.messageId} ${result.status}${result.reason ? `: ${result.reason}` : ''}`;
  toast('Message sent');
  if ($('log-session').value === session) await refreshLog();
}

function fileNameOf(url) {
  let name = '';
  try {
    name = decodeURIComponent(new URL(url).pathname.split('/').pop() || '');
  } catch {
    name = '';
  }
  return name || 'document';
}

function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(',', 2)[1]);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

async function refreshLog(more) {
  const session = $('log-session').value;
  if (!session) return;
  const params = new URLSearchParams({ limit: String(LOG_PAGE) });
  for (const [name, id] of [['direction', 'log-direction'], ['status', 'log-status'], ['chat', 'log-chat']]) {
    if ($(id).value.trim()) params.set(name, $(id).value.trim());
  }
  if ($('log-since').value) params.set('since', new Date($('log-since').value).toISOString());
  if (more && state.logCursor) params.set('cursor', state.logCursor);
  const page = await api('GET', `/api/sessions/${enc(session)}/messages?${params}`);
  // A LID chat with a known number comes as the number; its LID (chatLid) stays on hand as a tooltip.
  const rows = items(page).map((m) => h('tr', { 'data-message': m.messageId, 'data-direction': m.direction, 'data-chat': m.chat, 'data-chat-lid': m.chatLid, 'data-status': snake(m.status), 'data-type': m.type },
    h('td', {}, time(m.timestamp)),
    h('td', {}, m.direction === 'in' ? '⬅ in' : 'out ➡'),
    h('td', { title: m.chatLid }, m.senderPhone && m.direction === 'in' ? `${m.chat} (${m.pushName ?? m.senderPhone})` : m.chat),
    h('td', {}, m.type),
    h('td', { class: 'text' }, m.text ?? (m.fileName ? `[${m.fileName}]` : '')),
    h('td', {}, badge(m.status), m.reason ? h('div', { class: 'small error' }, m.reason) : null),
    h('td', { class: 'small' }, m.messageId)));
  const tbody = $('log-table').tBodies[0];
  if (more) tbody.append(...rows);
  else fill(tbody, rows, 'No messages match.');
  state.logCursor = page.nextCursor ?? null;
  $('log-more').hidden = !state.logCursor;
}

// ---- number checker -------------------------------------------------------------------------

async function checkNumbers() {
  const phones = $('numbers-input').value.split('\n').map((p) => p.trim()).filter(Boolean);
  const result = items(await api('POST', `/api/sessions/${enc($('numbers-session').value)}/contacts/check`, { phones }));
  fill($('numbers-table').tBodies[0], result.map((r) => h('tr', {},
    h('td', {}, r.phone), h('td', {}, r.exists ? '✔ yes' : '✘ no'), h('td', {}, r.jid ?? ''))), 'Nothing checked.');
}

// ---- webhooks -------------------------------------------------------------------------------

async function refreshWebhooks() {
  await loadSessions();
  const hooks = items(await api('GET', '/api/webhooks'));
  fill($('webhooks-table').tBodies[0], hooks.map((w) => h('tr', { 'data-webhook': w.id },
    h('td', { class: 'text' }, w.url),
    h('td', {}, w.sessionId ?? 'all'),
    h('td', {}, (w.events || ['*']).join(', ')),
    h('td', {}, w.enabled === false ? badge('disabled') : w.failingSince ? badge('failed') : h('span', { class: 'status connected' }, 'enabled'),
      w.disabledReason ? h('div', { class: 'small' }, w.disabledReason) : null),
    h('td', {}, h('div', { class: 'row' },
      h('button', { type: 'button', onclick: guard(() => testWebhook(w)) }, 'Send test'),
      h('button', { type: 'button', class: 'secondary', onclick: guard(() => openDeliveries(w)) }, 'Deliveries'),
      h('button', { type: 'button', class: 'secondary', onclick: guard(() => toggleWebhook(w)) }, w.enabled === false ? 'Enable' : 'Disable'),
      h('button', { type: 'button', class: 'danger', onclick: guard(() => deleteWebhook(w)) }, 'Delete'))))),
  'No webhooks yet.');
}

async function createWebhook() {
  const session = $('webhook-session').value;
  const events = $('webhook-events').value.split(',').map((e) => e.trim()).filter(Boolean);
  const body = { url: $('webhook-url').value.trim(), events: events.length ? events : ['*'] };
  const created = await api('POST', session ? `/api/sessions/${enc(session)}/webhooks` : '/api/webhooks', body);
  $('webhook-secret').hidden = false;
  $('webhook-secret').textContent = `Signing secret (shown once, copy it now): ${created.secret}`;
  await refreshWebhooks();
}

async function testWebhook(w) {
  await api('POST', `/api/webhooks/${enc(w.id)}/test`, {});
  toast('Test delivery queued');
  await openDeliveries(w);
  setTimeout(() => { if (state.webhook === w.id) openDeliveries(w).catch(() => {}); }, 1500);
}

async function toggleWebhook(w) {
  await api('PATCH', `/api/webhooks/${enc(w.id)}`, { enabled: w.enabled === false });
  await refreshWebhooks();
}

async function deleteWebhook(w) {
  if (!confirm(`Delete the webhook to ${w.url}?`)) return;
  await api('DELETE', `/api/webhooks/${enc(w.id)}`);
  if (state.webhook === w.id) $('deliveries').hidden = true;
  await refreshWebhooks();
}

async function openDeliveries(w) {
  state.webhook = w.id;
  $('deliveries').hidden = false;
  $('deliveries-url').textContent = w.url;
  $('deliveries-refresh').onclick = guard(() => openDeliveries(w));
  const deliveries = items(await api('GET', `/api/webhooks/${enc(w.id)}/deliveries`));
  fill($('deliveries-table').tBodies[0], deliveries.map((d) => {
    const last = (d.attemptLog || []).at(-1) || {};
    return h('tr', { 'data-delivery': d.id, 'data-event': d.eventType },
      h('td', {}, time(d.createdAt)),
      h('td', {}, d.eventType),
      h('td', { class: 'delivery-status' }, badge(d.status), last.statusCode ? ` HTTP ${last.statusCode}` : ''),
      h('td', {}, d.attempts),
      h('td', { class: 'text small' }, last.responseExcerpt ?? (d.nextAttemptAt ? `next attempt ${time(d.nextAttemptAt)}` : '')),
      h('td', {}, h('button', { type: 'button', class: 'secondary', onclick: guard(async () => {
        await api('POST', `/api/webhooks/${enc(w.id)}/deliveries/${enc(d.id)}/redeliver`, {});
        toast('Redelivery queued');
        await openDeliveries(w);
      }) }, 'Redeliver')));
  }), 'No deliveries yet.');
}

// ---- broadcasts -----------------------------------------------------------------------------

async function startBroadcast() {
  const recipients = $('broadcast-recipients').value.split('\n').map((l) => l.trim()).filter(Boolean).map((line) => {
    const [phone, ...name] = line.split(',');
    return name.length ? { phone: phone.trim(), name: name.join(',').trim() } : phone.trim();
  });
  const job = await api('POST', `/api/sessions/${enc($('broadcast-session').value)}/broadcasts`, {
    recipients,
    message: { type: 'text', text: $('broadcast-text').value },
    delayMin: Number($('broadcast-min').value),
    delayMax: Number($('broadcast-max').value),
  });
  watchBroadcast(job.jobId);
}

function watchBroadcast(jobId) {
  clearInterval(state.broadcastTimer);
  $('broadcast-job').hidden = false;
  $('bj-id').textContent = jobId;
  $('bj-cancel').onclick = guard(async () => { await api('POST', `/api/broadcasts/${enc(jobId)}/cancel`, {}); await poll(); });
  const poll = async () => {
    const job = await api('GET', `/api/broadcasts/${enc(jobId)}`);
    $('bj-status').className = `status ${snake(job.status)}`;
    $('bj-status').textContent = snake(job.status);
    $('bj-progress').max = Math.max(job.total, 1);
    $('bj-progress').value = job.processed;
    $('bj-counts').textContent = `${job.processed} of ${job.total} processed: ${job.succeeded} sent, ${job.failed} failed`;
    // A cancelled job never sends its pending recipients: say so instead of "pending".
    const cancelled = snake(job.status) === 'cancelled';
    fill($('bj-results').tBodies[0], (job.results || []).map((r) => {
      const skipped = cancelled && snake(r.status) === 'pending';
      return h('tr', { 'data-status': skipped ? 'cancelled' : snake(r.status) },
        h('td', {}, r.index + 1), h('td', {}, r.phone), h('td', {}, badge(skipped ? 'cancelled' : r.status)),
        h('td', { class: 'small' }, skipped ? 'not sent: the broadcast was cancelled' : r.messageId ?? r.reason ?? ''));
    }), 'Waiting…');
    const done = ['completed', 'failed', 'cancelled'].includes(snake(job.status));
    setEnabled($('bj-cancel'), !done);
    if (done) clearInterval(state.broadcastTimer);
  };
  poll().catch((err) => toast(err.message, true));
  state.broadcastTimer = setInterval(() => poll().catch(() => {}), BROADCAST_POLL_MS);
}

// ---- API keys -------------------------------------------------------------------------------

async function refreshKeys() {
  await loadSessions();
  const keys = items(await api('GET', '/api/keys'));
  fill($('keys-table').tBodies[0], keys.map((k) => h('tr', { 'data-key': k.id },
    h('td', {}, k.name ?? ''), h('td', {}, k.kind), h('td', {}, k.tenantId ?? ''), h('td', {}, k.sessionId ?? ''),
    h('td', { class: 'small' }, `${k.prefix}…`), h('td', {}, time(k.createdAt)),
    h('td', {}, k.revokedAt ? h('span', { class: 'status cancelled' }, `revoked ${time(k.revokedAt)}`) : h('div', { class: 'row' },
      h('button', { type: 'button', class: 'secondary', onclick: guard(async () => {
        const rotated = await api('POST', `/api/keys/${enc(k.id)}/rotate`, {});
        showSecret(rotated);
        await refreshKeys();
      }) }, 'Rotate'),
      h('button', { type: 'button', class: 'danger', onclick: guard(async () => {
        if (!confirm(`Revoke the key "${k.name ?? k.id}"? Clients using it stop working at once.`)) return;
        await api('DELETE', `/api/keys/${enc(k.id)}`);
        await refreshKeys();
      }) }, 'Revoke'))))),
  'No keys yet.');
}

function showSecret(created) {
  $('key-secret').hidden = false;
  $('key-secret').textContent = `New key (shown once, copy it now): ${created.key}`;
}

async function createKey() {
  const body = { kind: $('key-kind').value, name: $('key-name').value.trim() || undefined };
  if ($('key-tenant').value.trim()) body.tenantId = $('key-tenant').value.trim();
  if (body.kind === 'session') body.sessionId = $('key-session').value;
  showSecret(await api('POST', '/api/keys', body));
  await refreshKeys();
}

// ---- wiring ---------------------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  $('signin-key').addEventListener('submit', guard(async () => {
    try {
      await signIn($('signin-key-input').value.trim());
    } catch (err) {
      state.key = null;
      $('signin-error').textContent = err.status === 401 || err.status === 403 ? 'That key was not accepted.' : err.message;
    }
  }));
  $('signin-password').addEventListener('submit', guard(async () => {
    try {
      const login = await api('POST', '/api/dashboard/login', { user: $('signin-user').value, password: $('signin-pass').value });
      await signIn(login.token, login.keyId);
    } catch (err) {
      state.key = null;
      $('signin-error').textContent = err.status === 401 ? 'Wrong user or password.' : err.message;
    }
  }));
  $('sign-out').addEventListener('click', () => signOut());
  window.addEventListener('hashchange', route);

  $('session-create').addEventListener('submit', guard(async () => {
    const id = $('session-create-id').value.trim();
    await api('POST', '/api/sessions', { id, name: $('session-create-name').value.trim() || undefined });
    $('session-create').reset();
    toast(`Session ${id} created`);
    await selectSession(id);
  }));
  $('sd-connect').addEventListener('click', guard(() => sessionAction('connect', { method: 'qr' })));
  $('sd-pair').addEventListener('click', guard(() => sessionAction('connect', { method: 'pairing_code', phoneNumber: $('sd-pair-phone').value.trim() })));
  $('sd-restart').addEventListener('click', guard(() => sessionAction('restart')));
  $('sd-disconnect').addEventListener('click', guard(() => sessionAction('disconnect')));
  $('sd-logout').addEventListener('click', guard(() => confirm('Log out? The phone must link this session again.') && sessionAction('logout')));
  $('sd-delete').addEventListener('click', guard(() => confirm('Delete this session and its data?') && sessionAction('delete')));
  $('sd-demo-scan').addEventListener('click', guard(async () => {
    const result = await api('POST', `/api/demo/sessions/${enc(state.selected)}/scan`, {});
    toast(`Scanned by simulated phone +${result.phone}`);
    await refreshSessions();
  }));
  $('sd-demo-phone').addEventListener('click', guard(async () => {
    const created = await api('POST', '/api/demo/phones', {});
    $('sd-pair-phone').value = `+${created.phone}`;
    toast(`New simulated phone +${created.phone}: now get a pairing code for it`);
  }));
  $('sd-demo-code').addEventListener('click', guard(async () => {
    const result = await api('POST', `/api/demo/sessions/${enc(state.selected)}/pair-code`, { phone: $('sd-pair-phone').value.trim(), code: $('sd-code').textContent });
    toast(`The simulated phone +${result.phone} entered the code`);
    await refreshSessions();
  }));
  $('sd-demo-incoming').addEventListener('click', guard(async () => {
    await api('POST', `/api/demo/sessions/${enc(state.selected)}/incoming`, { text: $('sd-demo-text').value });
    toast('The simulated contact sent a message');
  }));

  $('send-form').addEventListener('submit', guard(sendMessage));
  $('send-type').addEventListener('change', () => {
    for (const el of document.querySelectorAll('#send-form .media')) el.hidden = $('send-type').value === 'text';
  });
  $('send-type').dispatchEvent(new Event('change'));
  $('log-form').addEventListener('submit', guard(() => refreshLog(false)));
  $('log-session').addEventListener('change', guard(() => refreshLog(false)));
  $('log-more').addEventListener('click', guard(() => refreshLog(true)));
  $('numbers-form').addEventListener('submit', guard(checkNumbers));
  $('webhook-form').addEventListener('submit', guard(createWebhook));
  $('broadcast-form').addEventListener('submit', guard(startBroadcast));
  $('key-form').addEventListener('submit', guard(createKey));

  if (state.key) start().catch(() => signOut()); else route();
});
