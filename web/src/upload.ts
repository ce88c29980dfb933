// The upload page: a resumable chunked upload through /api/v1/videos/upload-resumable (the
// uploadx protocol in COMPAT.md) with progress, speed and time left, pause and resume, and
// recovery after a reload or a dropped network (the same file chosen again continues where it
// stopped: the session is remembered in local storage by file name, size and date); then the
// metadata form saved with PUT /videos/{id}, and the processing state polled until published.
import { api, API_HEADERS, ApiError, t, announce } from './lib/api';

const drop = document.querySelector<HTMLElement>('[data-upload-drop]')!;
// The piece size is the instance's (`upload.chunk_size`); an interrupted piece is sent again.
const CHUNK = Number(drop.dataset.chunkSize) || 8 * 1024 * 1024;
const input = document.querySelector<HTMLInputElement>('[data-upload-file]')!;
const progressBox = document.querySelector<HTMLElement>('[data-upload-progress]')!;
const bar = document.querySelector<HTMLProgressElement>('[data-upload-bar]')!;
const status = document.querySelector<HTMLElement>('[data-upload-status]')!;
const nameOut = document.querySelector<HTMLElement>('[data-upload-name]')!;
const pauseBtn = document.querySelector<HTMLButtonElement>('[data-upload-pause]')!;
const resumeBtn = document.querySelector<HTMLButtonElement>('[data-upload-resume]')!;
const cancelBtn = document.querySelector<HTMLButtonElement>('[data-upload-cancel]')!;
const processing = document.querySelector<HTMLElement>('[data-upload-processing]')!;
const form = document.querySelector<HTMLFormElement>('[data-upload-form]')!;
const saveBtn = document.querySelector<HTMLButtonElement>('[data-upload-save]')!;
const saveStatus = document.querySelector<HTMLElement>('[data-save-status]')!;

interface Session { location: string; started: number }
interface Created { video: { id: number; uuid: string; shortUUID: string } }

let current: { file: File; key: string; location: string; xhr: XMLHttpRequest | null; paused: boolean } | null = null;
let created: Created['video'] | null = null;

const storageKey = (f: File) => `kinora-upload:${f.name}:${f.size}:${f.lastModified}`;
function remember(key: string, s: Session | null) {
  try { if (s) localStorage.setItem(key, JSON.stringify(s)); else localStorage.removeItem(key); } catch { /* private mode */ }
}
function recall(key: string): Session | null {
  try { return JSON.parse(localStorage.getItem(key) || 'null'); } catch { return null; }
}

// Uploads interrupted by a reload or a crash, newest first: the page names them, since
// choosing the same file again continues where it stopped. Entries older than a day are
// dropped (the server forgets a session an hour after its last piece).
function interrupted(): string[] {
  const names: [number, string][] = [];
  try {
    for (const key of Object.keys(localStorage).filter((k) => k.startsWith('kinora-upload:'))) {
      const s = recall(key);
      const name = key.slice('kinora-upload:'.length).split(':').slice(0, -2).join(':');
      if (s && Date.now() - s.started < 86_400_000) names.push([s.started, name]);
      else remember(key, null);
    }
  } catch { /* private mode */ }
  return names.sort((a, b) => b[0] - a[0]).map(([, name]) => name);
}
const resumable = interrupted();
const resumeNote = document.querySelector<HTMLElement>('[data-upload-interrupted]');
if (resumeNote && resumable.length) {
  resumeNote.textContent = t('js.upload.interrupted', { name: resumable.join(', ') });
  resumeNote.hidden = false;
}

// Choosing a file: the picker, or dropping it on the zone.
input.addEventListener('change', () => { if (input.files?.[0]) void begin(input.files[0]); });
for (const type of ['dragenter', 'dragover']) {
  drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.add('dragging'); });
}
for (const type of ['dragleave', 'drop']) {
  drop.addEventListener(type, () => drop.classList.remove('dragging'));
}
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  const file = (e as DragEvent).dataTransfer?.files?.[0];
  if (file) void begin(file);
});

function metadata(): Record<string, unknown> {
  const f = new FormData(form);
  const text = (k: string) => String(f.get(k) || '').trim();
  const out: Record<string, unknown> = {
    name: text('name'),
    channelId: Number(f.get('channelId')),
    privacy: Number(f.get('privacy')),
    description: text('description') || null,
    tags: text('tags').split(',').map((s) => s.trim()).filter(Boolean).slice(0, 5),
    commentsPolicy: Number(f.get('commentsPolicy')),
    nsfw: f.get('nsfw') !== null,
    downloadEnabled: f.get('downloadEnabled') !== null,
  };
  out.category = text('category') ? Number(text('category')) : null;
  out.licence = text('licence') ? Number(text('licence')) : null;
  out.language = text('language') || null;
  out.originallyPublishedAt = text('originallyPublishedAt') || null;
  // The input is in local time; PeerTube's scheduleUpdate is an instant, to public.
  const at = text('scheduleAt') ? new Date(text('scheduleAt')) : null;
  out.scheduleUpdate = at && !Number.isNaN(at.getTime()) ? { updateAt: at.toISOString(), privacy: 1 } : null;
  return out;
}

function titleFrom(file: File): string {
  let name = file.name.replace(/\.[^.]+$/, '').replace(/[_]+/g, ' ').trim();
  if (name.length < 3) name = (name + ' video').trim();
  return name.slice(0, 120);
}

async function begin(file: File) {
  if (current && !current.paused) return;
  const nameField = form.elements.namedItem('name') as HTMLInputElement;
  if (!nameField.value.trim()) nameField.value = titleFrom(file);
  drop.classList.add('busy');
  if (resumeNote) resumeNote.hidden = true;
  progressBox.hidden = false;
  nameOut.textContent = file.name;
  const key = storageKey(file);
  const saved = recall(key);
  let location = saved?.location || '';
  let offset = 0;
  if (location) {
    try {
      offset = await queryOffset(location, file.size);
      announce(t('js.upload.resuming'));
    } catch {
      location = '';
    }
  }
  if (!location) {
    try {
      location = await startSession(file);
    } catch (e) {
      fail((e as Error).message);
      return;
    }
    remember(key, { location, started: Date.now() });
  }
  current = { file, key, location, xhr: null, paused: false };
  void send(offset);
}

async function startSession(file: File): Promise<string> {
  const res = await fetch('/api/v1/videos/upload-resumable', {
    method: 'POST',
    headers: {
      ...API_HEADERS, 'Content-Type': 'application/json',
      'X-Upload-Content-Length': String(file.size), 'X-Upload-Content-Type': file.type || 'application/octet-stream',
    },
    body: JSON.stringify({ ...metadata(), filename: file.name }),
  });
  if (res.status !== 201) throw new Error(await problem(res));
  const location = res.headers.get('Location');
  if (!location) throw new Error('no Location');
  return location;
}

async function problem(res: Response): Promise<string> {
  try { const p = await res.json(); return p.detail || p.error || res.statusText; } catch { return res.statusText; }
}

/// Asks the server how much it has (`Content-Range: bytes */TOTAL`).
async function queryOffset(location: string, total: number): Promise<number> {
  const res = await fetch(location, { method: 'PUT', headers: { ...API_HEADERS, 'Content-Range': `bytes */${total}` } });
  if (res.status === 200) return total;
  if (res.status !== 308) throw new Error(await problem(res));
  return rangeEnd(res.headers.get('Range'));
}

function rangeEnd(range: string | null): number {
  const m = range && /bytes=0-(\d+)/.exec(range);
  return m ? Number(m[1]) + 1 : 0;
}

// Speed over the last seconds, for the time-left estimate.
let samples: [number, number][] = [];
function showProgress(sent: number, total: number) {
  const now = performance.now();
  samples.push([now, sent]);
  samples = samples.filter(([at]) => now - at < 5000);
  const pct = total ? Math.floor((sent / total) * 100) : 100;
  bar.value = pct;
  const [t0, s0] = samples[0]!;
  const speed = now > t0 ? ((sent - s0) / (now - t0)) * 1000 : 0;
  const left = speed > 0 ? Math.ceil((total - sent) / speed) : NaN;
  status.textContent = t('js.upload.progress', {
    percent: pct, speed: formatBytes(speed) + '/s',
    left: Number.isFinite(left) ? formatDuration(left) : '…',
  });
}

function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}
function formatDuration(s: number): string {
  const m = Math.floor(s / 60);
  return m ? `${m} min ${s % 60} s` : `${s} s`;
}

function send(offset: number) {
  const up = current;
  if (!up || up.paused) return;
  const { file } = up;
  const end = Math.min(offset + CHUNK, file.size);
  const xhr = new XMLHttpRequest();
  up.xhr = xhr;
  xhr.open('PUT', up.location);
  for (const [k, v] of Object.entries(API_HEADERS)) xhr.setRequestHeader(k, v);
  xhr.setRequestHeader('Content-Type', 'application/octet-stream');
  xhr.setRequestHeader('Content-Range', `bytes ${offset}-${end - 1}/${file.size}`);
  xhr.upload.onprogress = (e) => showProgress(offset + e.loaded, file.size);
  xhr.onload = () => {
    up.xhr = null;
    if (xhr.status === 308) {
      showProgress(rangeEnd(xhr.getResponseHeader('Range')), file.size);
      send(rangeEnd(xhr.getResponseHeader('Range')));
    } else if (xhr.status === 200) {
      showProgress(file.size, file.size);
      remember(up.key, null);
      finished(JSON.parse(xhr.responseText) as Created);
    } else if (xhr.status === 409 || xhr.status === 503) {
      // Another offset than ours, or the previous chunk still being written: ask and go on.
      setTimeout(() => void queryOffset(up.location, file.size).then(send, retryLater), 1000);
    } else if (xhr.status === 404) {
      remember(up.key, null);
      fail(t('js.upload.expired'));
    } else {
      let detail = xhr.statusText;
      try { detail = JSON.parse(xhr.responseText).detail || detail; } catch { /* not JSON */ }
      fail(detail);
    }
  };
  // A dropped network: try again from what the server has, a few seconds later.
  xhr.onerror = () => { up.xhr = null; retryLater(); };
  xhr.send(file.slice(offset, end));
}

function retryLater() {
  const up = current;
  if (!up || up.paused) return;
  status.textContent = t('js.upload.reconnecting');
  setTimeout(() => void queryOffset(up.location, up.file.size).then(send, retryLater), 3000);
}

pauseBtn.addEventListener('click', () => {
  if (!current) return;
  current.paused = true;
  current.xhr?.abort();
  pauseBtn.hidden = true;
  resumeBtn.hidden = false;
  status.textContent = t('js.upload.paused');
  resumeBtn.focus();
});
resumeBtn.addEventListener('click', async () => {
  if (!current) return;
  current.paused = false;
  resumeBtn.hidden = true;
  pauseBtn.hidden = false;
  pauseBtn.focus();
  try { send(await queryOffset(current.location, current.file.size)); } catch { retryLater(); }
});
cancelBtn.addEventListener('click', async () => {
  if (!current || !window.confirm(t('js.upload.confirm_cancel'))) return;
  const up = current;
  up.paused = true;
  up.xhr?.abort();
  current = null;
  remember(up.key, null);
  await fetch(up.location, { method: 'DELETE', headers: API_HEADERS }).catch(() => undefined);
  progressBox.hidden = true;
  drop.classList.remove('busy');
  input.value = '';
  announce(t('js.upload.cancelled'));
});

function fail(message: string) {
  status.textContent = t('js.upload.failed', { reason: message });
  status.classList.add('error');
  pauseBtn.hidden = true;
  resumeBtn.hidden = true;
  drop.classList.remove('busy');
  current = null;
}

function finished(r: Created) {
  created = r.video;
  current = null;
  pauseBtn.hidden = true;
  resumeBtn.hidden = true;
  cancelBtn.hidden = true;
  status.textContent = t('js.upload.done');
  saveBtn.disabled = false;
  announce(t('js.upload.done'));
  void poll();
}

// Processing: the video's state and the jobs' percent done, until published or failed.
async function poll() {
  if (!created) return;
  processing.hidden = false;
  try {
    const p = await api<{ state: { id: number; label: string }; stateError: string | null;
      jobs: { type: string; state: string; progress: number; error: string | null }[] }>('GET', `/videos/${created.uuid}/processing`);
    const link = `/videos/watch/${created.uuid}`;
    const active = p.jobs.filter((j) => j.state !== 'completed');
    if (p.state.id === 1 && active.length === 0) {
      processing.replaceChildren(t('js.upload.published') + ' ');
      const a = document.createElement('a');
      a.href = link;
      a.textContent = t('js.upload.watch');
      processing.append(a);
      processing.dataset.state = 'published';
      return;
    }
    if (p.state.id === 7) {
      processing.textContent = t('js.upload.processing_failed', { reason: p.stateError || '' });
      processing.dataset.state = 'failed';
      return;
    }
    const running = active[0];
    const pct = running ? running.progress : 0;
    processing.dataset.state = p.state.id === 1 ? 'playable' : 'processing';
    processing.textContent = p.state.id === 1
      ? t('js.upload.playable_encoding', { percent: pct })
      : t('js.upload.processing', { percent: pct });
    if (p.state.id === 1) {
      const a = document.createElement('a');
      a.href = link;
      a.textContent = ' ' + t('js.upload.watch');
      processing.append(a);
    }
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return;
  }
  setTimeout(() => void poll(), 1500);
}

// A chosen thumbnail goes with the details as PeerTube's client sends them: one multipart
// form, so the picture and the fields are checked together. Without one, plain JSON.
function withThumbnail(changes: Record<string, unknown>): Record<string, unknown> | FormData {
  const picture = (form.elements.namedItem('thumbnailfile') as HTMLInputElement | null)?.files?.[0];
  if (!picture) return changes;
  const body = new FormData();
  for (const [key, value] of Object.entries(changes)) {
    if (Array.isArray(value)) for (const item of value) body.append(`${key}[]`, String(item));
    // An object (the schedule) as qs brackets, as PeerTube's client sends it.
    else if (value !== null && typeof value === 'object') {
      for (const [field, inner] of Object.entries(value)) body.append(`${key}[${field}]`, String(inner));
    } else body.append(key, value === null ? '' : String(value));
  }
  body.append('thumbnailfile', picture);
  return body;
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!created) return;
  const { channelId: _channel, ...changes } = metadata();
  try {
    await api('PUT', `/videos/${created.uuid}`, withThumbnail(changes));
    saveStatus.textContent = t('js.upload.saved');
    saveStatus.className = 'notice';
  } catch (err) {
    saveStatus.textContent = (err as Error).message;
    saveStatus.className = 'error';
  }
});

// Description preview, rendered and sanitised by the server exactly as on the watch page.
const previewBtn = document.querySelector<HTMLButtonElement>('[data-preview]')!;
const previewBox = document.querySelector<HTMLElement>('[data-preview-box]')!;
previewBtn.addEventListener('click', async () => {
  const open = previewBtn.getAttribute('aria-expanded') === 'true';
  previewBtn.setAttribute('aria-expanded', String(!open));
  previewBox.hidden = open;
  if (open) return;
  const text = (form.elements.namedItem('description') as HTMLTextAreaElement).value;
  const res = await fetch('/markdown-preview', { method: 'POST', headers: { ...API_HEADERS, 'Content-Type': 'text/plain' }, body: text });
  // The server sanitises with ammonia before answering: only safe tags and attributes remain.
  previewBox.innerHTML = res.ok ? await res.text() : '';
});
