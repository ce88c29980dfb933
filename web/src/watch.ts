// The watch page: the player, rating, subscribing, the share and download menus, and the
// comments thread (replies, ordering, posting and deleting one's own).
import { setupPlayer, PlayerData } from './lib/player';
import { api, ApiError, el, t, announce } from './lib/api';

const wrap = document.querySelector<HTMLElement>('[data-player]');
const dataEl = document.getElementById('player-data');
const data = JSON.parse(dataEl?.textContent || '{}') as PlayerData & {
  channelHandle: string; me: string | null; commentsEnabled: boolean; videoOwner: string;
};
const player = wrap && dataEl ? setupPlayer(wrap, data) : null;
(window as unknown as Record<string, unknown>).kinoraPlayer = player;

// Rating: like / dislike toggle with aria-pressed.
const rating = document.querySelector<HTMLElement>('[data-rating]');
if (rating && data.me) {
  const like = rating.querySelector<HTMLButtonElement>('[data-rate="like"]')!;
  const dislike = rating.querySelector<HTMLButtonElement>('[data-rate="dislike"]')!;
  const count = (b: HTMLButtonElement) => b.querySelector<HTMLElement>('[data-count]')!;
  for (const b of [like, dislike]) {
    b.disabled = false;
    b.addEventListener('click', async () => {
      const wanted = b.getAttribute('aria-pressed') === 'true' ? 'none' : b.dataset.rate!;
      try {
        await api('PUT', `/videos/${data.id}/rate`, { rating: wanted });
      } catch (e) { announce((e as Error).message); return; }
      const before = { like: like.getAttribute('aria-pressed') === 'true', dislike: dislike.getAttribute('aria-pressed') === 'true' };
      const after = { like: wanted === 'like', dislike: wanted === 'dislike' };
      for (const [btn, key] of [[like, 'like'], [dislike, 'dislike']] as const) {
        const c = count(btn);
        c.textContent = String(Number(c.textContent) + (after[key] ? 1 : 0) - (before[key] ? 1 : 0));
        btn.setAttribute('aria-pressed', String(after[key]));
      }
    });
  }
}

// Subscribe: PeerTube's subscriptions API; the button says so when this instance lacks it.
const subscribe = document.querySelector<HTMLButtonElement>('[data-subscribe]');
if (subscribe && data.me) {
  const uri = data.channelHandle;
  const show = (on: boolean) => {
    subscribe.setAttribute('aria-pressed', String(on));
    subscribe.textContent = on ? t('js.watch.unsubscribe') : t('js.watch.subscribe');
  };
  subscribe.disabled = false;
  api<Record<string, boolean>>('GET', `/users/me/subscriptions/exist?uris=${encodeURIComponent(uri)}`)
    .then((r) => show(Boolean(r[uri])))
    .catch(() => undefined);
  subscribe.addEventListener('click', async () => {
    const on = subscribe.getAttribute('aria-pressed') === 'true';
    try {
      if (on) await api('DELETE', `/users/me/subscriptions/${encodeURIComponent(uri)}`);
      else await api('POST', '/users/me/subscriptions', { uri });
      show(!on);
    } catch (e) {
      const missing = e instanceof ApiError && (e.status === 404 || e.status === 405);
      announce(missing ? t('js.watch.subscriptions_unavailable') : (e as Error).message);
      if (missing) { subscribe.disabled = true; subscribe.title = t('js.watch.subscriptions_unavailable'); }
    }
  });
}

// Share: the link, optionally at the current time, and the embed code.
const share = document.querySelector<HTMLElement>('[data-share]');
if (share) {
  const link = share.querySelector<HTMLInputElement>('[data-share-link]')!;
  const atTime = share.querySelector<HTMLInputElement>('[data-share-time]')!;
  const embed = share.querySelector<HTMLTextAreaElement>('[data-share-embed]')!;
  const base = link.value;
  const embedBase = embed.dataset.src!;
  const update = () => {
    const seconds = Math.floor(player?.currentTime() || 0);
    const suffix = atTime.checked && seconds > 0 ? `?start=${seconds}` : '';
    link.value = base + suffix;
    embed.value = `<iframe title="${embed.dataset.title}" width="560" height="315" src="${embedBase}${suffix}" ` +
      'frameborder="0" allowfullscreen sandbox="allow-same-origin allow-scripts allow-popups"></iframe>';
  };
  atTime.addEventListener('change', update);
  share.addEventListener('toggle', update);
  for (const b of Array.from(share.querySelectorAll<HTMLButtonElement>('[data-copy]'))) {
    b.hidden = false;
    b.addEventListener('click', async () => {
      const field = document.getElementById(b.dataset.copy!) as HTMLInputElement;
      try { await navigator.clipboard.writeText(field.value); announce(t('js.watch.copied')); } catch { field.select(); }
    });
  }
}

// Comments.
interface Comment {
  id: number; threadId: number; text: string; createdAt: string; isDeleted: boolean; totalReplies: number;
  heldForReview: boolean; account: { name: string; displayName: string; host: string } | null;
}
interface ThreadNode { comment: Comment; children: ThreadNode[] }
const comments = document.querySelector<HTMLElement>('[data-comments]');
if (comments) setupComments(comments);

function setupComments(section: HTMLElement) {
  const list = section.querySelector<HTMLElement>('[data-comment-list]')!;
  const sort = section.querySelector<HTMLSelectElement>('[data-comment-sort]')!;
  const more = section.querySelector<HTMLButtonElement>('[data-comment-more]')!;
  const form = section.querySelector<HTMLFormElement>('[data-comment-form]');
  const total = section.querySelector<HTMLElement>('[data-comment-total]')!;
  let start = 0;
  const PAGE = 20;

  const load = async (reset: boolean) => {
    if (reset) { start = 0; list.replaceChildren(); }
    const page = await api<{ total: number; data: Comment[] }>('GET',
      `/videos/${data.id}/comment-threads?start=${start}&count=${PAGE}&sort=${sort.value}`);
    total.textContent = t('js.comments.count', { count: page.total });
    for (const c of page.data) list.append(renderComment(c, true));
    start += page.data.length;
    more.hidden = start >= page.total;
  };
  sort.addEventListener('change', () => void load(true));
  more.addEventListener('click', () => void load(false));
  section.querySelector('[data-comment-controls]')?.removeAttribute('hidden');
  void load(true).catch((e) => { list.textContent = (e as Error).message; });

  if (form) {
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = (form.elements.namedItem('text') as HTMLTextAreaElement);
      if (!text.value.trim()) return;
      try {
        const r = await api<{ comment: Comment }>('POST', `/videos/${data.id}/comment-threads`, { text: text.value });
        text.value = '';
        list.prepend(renderComment(r.comment, true));
        announce(t('js.comments.posted'));
      } catch (err) { announce((err as Error).message); showError(form, (err as Error).message); }
    });
  }

  function showError(near: HTMLElement, message: string) {
    near.querySelector('.error')?.remove();
    near.append(el('p', { class: 'error', role: 'alert', text: message }));
  }

  function renderComment(c: Comment, isThread: boolean, children?: ThreadNode[]): HTMLElement {
    const item = el('li', { class: 'comment', id: `comment-${c.id}` });
    const head = el('p', { class: 'comment-head' });
    if (c.account) {
      head.append(el('a', { href: `/a/${c.account.name}`, class: 'comment-author', text: c.account.displayName }),
        ' ', el('span', { class: 'muted', text: `@${c.account.name}` }));
    } else {
      head.append(el('span', { class: 'muted', text: t('js.comments.deleted_author') }));
    }
    head.append(' · ', el('time', { datetime: c.createdAt, text: new Date(c.createdAt).toLocaleString() }));
    if (c.heldForReview) head.append(' · ', el('em', { text: t('js.comments.held') }));
    const body = el('div', { class: 'comment-text' });
    body.textContent = c.isDeleted ? t('js.comments.deleted') : c.text;
    item.append(head, body);
    const actions = el('div', { class: 'comment-actions' });
    if (data.me && data.commentsEnabled && !c.isDeleted) {
      const reply = el('button', { type: 'button', class: 'link-button', text: t('js.comments.reply') });
      reply.addEventListener('click', () => openReply(item, c));
      actions.append(reply);
    }
    if (data.me && c.account && c.account.name === data.me && !c.isDeleted) {
      const del = el('button', { type: 'button', class: 'link-button danger', text: t('js.comments.delete') });
      del.addEventListener('click', async () => {
        if (!window.confirm(t('js.comments.confirm_delete'))) return;
        try {
          await api('DELETE', `/videos/${data.id}/comments/${c.id}`);
          body.textContent = t('js.comments.deleted');
          del.remove();
          announce(t('js.comments.deleted'));
        } catch (err) { announce((err as Error).message); }
      });
      actions.append(del);
    }
    // The report form is the page's own (a plain POST that needs no script), aimed at this comment.
    const reportForm = document.querySelector<HTMLTemplateElement>('template[data-comment-report]');
    if (reportForm && c.account && c.account.name !== data.me && !c.isDeleted) {
      const menu = reportForm.content.firstElementChild!.cloneNode(true) as HTMLElement;
      menu.querySelector('form')!.action = `/videos/watch/${data.uuid}/comments/${c.id}/report`;
      actions.append(menu);
    }
    const replies = el('ol', { class: 'comment-replies' });
    if (isThread && c.totalReplies > 0 && !children) {
      const show = el('button', { type: 'button', class: 'link-button', 'aria-expanded': 'false',
        text: t('js.comments.show_replies', { count: c.totalReplies }) });
      show.addEventListener('click', async () => {
        const thread = await api<ThreadNode>('GET', `/videos/${data.id}/comment-threads/${c.threadId}`);
        replies.replaceChildren(...flatten(thread.children).map((n) => renderComment(n.comment, false, [])));
        show.remove();
      });
      actions.append(show);
    }
    if (children) for (const n of children) replies.append(renderComment(n.comment, false, n.children));
    item.append(actions, replies);
    return item;
  }

  // Replies to replies are shown one level deep, in time order, like PeerTube's web client.
  function flatten(nodes: ThreadNode[]): ThreadNode[] {
    const out: ThreadNode[] = [];
    const walk = (ns: ThreadNode[]) => { for (const n of ns) { out.push(n); walk(n.children); } };
    walk(nodes);
    return out.sort((a, b) => a.comment.createdAt.localeCompare(b.comment.createdAt));
  }

  function openReply(item: HTMLElement, parent: Comment) {
    if (item.querySelector(':scope > form')) return;
    const id = `reply-${parent.id}`;
    const reply = el('form', { class: 'stack reply-form' },
      el('label', { for: id, text: t('js.comments.your_reply') }),
      el('textarea', { id, name: 'text', rows: '3', required: '', maxlength: '10000' }),
      el('button', { type: 'submit', class: 'button small', text: t('js.comments.send_reply') }));
    reply.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = reply.querySelector('textarea')!;
      try {
        const r = await api<{ comment: Comment }>('POST', `/videos/${data.id}/comments/${parent.id}`, { text: text.value });
        const thread = item.closest('[data-comment-list] > li') as HTMLElement || item;
        thread.querySelector(':scope > .comment-replies')!.append(renderComment(r.comment, false, []));
        reply.remove();
        announce(t('js.comments.posted'));
      } catch (err) { showError(reply, (err as Error).message); }
    });
    item.querySelector(':scope > .comment-actions')!.after(reply);
    reply.querySelector('textarea')!.focus();
  }
}
