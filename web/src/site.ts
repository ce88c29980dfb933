// Behaviour shared by every page: confirmation of destructive forms, and the live region
// that scripts use to announce changes to screen readers.
document.addEventListener('submit', (event) => {
  const form = event.target as HTMLFormElement;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

// A picture chosen in a form (`data-thumb-input`) is shown at once in the `data-thumb-preview`
// beside it, cropped to 16:9 as the server will. A data: URL, which the pages' CSP allows.
document.addEventListener('change', (event) => {
  const input = event.target as HTMLInputElement;
  if (!input.matches('[data-thumb-input]')) return;
  const img = input.parentElement?.querySelector<HTMLImageElement>('[data-thumb-preview]');
  const file = input.files?.[0];
  if (!img || !file) return;
  const reader = new FileReader();
  reader.onload = () => {
    img.src = String(reader.result);
    img.alt = t('js.upload.thumbnail_chosen');
    img.hidden = false;
  };
  reader.readAsDataURL(file);
});

// Date-and-time inputs (`data-utc-local`) come from the server in UTC: shown in the browser's
// time zone, and sent back with that zone's offset at the chosen time (`data-timezone-offset`,
// JavaScript's UTC-minus-local minutes), so the server converts back. Without scripts both
// stay UTC.
const pad = (n: number) => String(n).padStart(2, '0');
for (const input of Array.from(document.querySelectorAll<HTMLInputElement>('input[data-utc-local]'))) {
  const utc = input.value ? new Date(`${input.value}:00Z`) : null;
  if (utc && !Number.isNaN(utc.getTime())) {
    input.value = `${utc.getFullYear()}-${pad(utc.getMonth() + 1)}-${pad(utc.getDate())}T${pad(utc.getHours())}:${pad(utc.getMinutes())}`;
  }
  const offset = input.form?.querySelector<HTMLInputElement>('input[data-timezone-offset]');
  const update = () => {
    const local = input.value ? new Date(input.value) : new Date();
    if (offset) offset.value = String(Number.isNaN(local.getTime()) ? 0 : local.getTimezoneOffset());
  };
  update();
  input.addEventListener('change', update);
}

// The home page's "all / this instance only" links work as plain links; with scripts the
// choice is also remembered (a cookie the server reads when the address does not say).
document.addEventListener('click', (event) => {
  const target = event.target;
  const link = target instanceof Element ? target.closest<HTMLAnchorElement>('a[data-home-scope]') : null;
  if (!link) return;
  const scope = link.dataset.homeScope === 'local' ? 'local' : 'all';
  document.cookie = `kinora-home-scope=${scope}; path=/; max-age=31536000; SameSite=Lax`;
});

// Right after signing in, the server leaves the session's token in a short-lived cookie: it is
// deleted at once and used for one call of /api/v1/users/me with an Authorization header, as
// PeerTube's web client makes after its login. App sign-in screens that show our login page in a
// web view (Grayjay's) wait for that request and keep its header as their credentials.
const loginToken = document.cookie.split('; ').find((c) => c.startsWith('kinora_login_token='));
if (loginToken) {
  document.cookie = 'kinora_login_token=; path=/; max-age=0; SameSite=Strict';
  const token = decodeURIComponent(loginToken.slice('kinora_login_token='.length));
  if (token) {
    void fetch('/api/v1/users/me', { headers: { Authorization: `Bearer ${token}` } }).catch(() => undefined);
  }
}

// Lists filled from the API (`data-api-videos`), such as the subscriptions feed: a 404 means
// this instance does not offer that API yet, and the page says so instead of failing.
import { api, ApiError, el, t } from './lib/api';

interface Video { shortUUID: string; name: string; thumbnailPath: string | null; views: number; publishedAt: string;
  channel: { name: string; displayName: string } }
for (const box of Array.from(document.querySelectorAll<HTMLElement>('[data-api-videos]'))) {
  api<{ data: Video[] }>('GET', `${box.dataset.apiVideos}?count=24`).then((r) => {
    if (!r.data.length) { box.append(el('p', { class: 'empty', text: box.dataset.empty || '' })); return; }
    const grid = el('ul', { class: 'video-grid' });
    for (const v of r.data) {
      const thumb = el('a', { href: `/w/${v.shortUUID}`, class: 'video-thumb' });
      if (v.thumbnailPath) thumb.append(el('img', { src: v.thumbnailPath, alt: '', loading: 'lazy' }));
      grid.append(el('li', { class: 'video-card' }, thumb,
        el('a', { href: `/w/${v.shortUUID}`, class: 'video-title', text: v.name }),
        el('span', { class: 'muted' }, el('a', { href: `/c/${v.channel.name}`, text: v.channel.displayName })),
        el('span', { class: 'muted', text: t('js.list.views', { count: v.views }) })));
    }
    box.append(grid);
  }).catch((e) => {
    const missing = e instanceof ApiError && (e.status === 404 || e.status === 405);
    box.append(el('p', { class: missing ? 'notice' : 'error', text: missing ? box.dataset.unavailable || '' : (e as Error).message }));
  });
}
