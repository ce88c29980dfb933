// Behaviour shared by every page: confirmation of destructive forms, and the live region
// that scripts use to announce changes to screen readers.
document.addEventListener('submit', (event) => {
  const form = event.target as HTMLFormElement;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

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
