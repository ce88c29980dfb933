// The video player of the watch and embed pages. The server renders a working <video> (native
// HLS where the browser has it, else the fragmented MP4); this script upgrades it with hls.js
// (the quality ladder with "auto"), or keeps native HLS where MSE is missing (iOS Safari), or
// switches progressive MP4 files; and adds captions, speed, picture-in-picture, fullscreen,
// keyboard shortcuts and resume where the viewer stopped. The controls are native form elements
// under the video, so they are labelled and reachable from the keyboard.
import Hls from 'hls.js/light';
import { api, el, t, announce } from './api';

export interface Rendition { resolution: number; label: string; url: string }
export interface PlayerData {
  id: number;
  uuid: string;
  hls: string | null;
  files: Rendition[];
  start: number | null;
  autoplay: boolean;
  muted: boolean;
  loop: boolean;
  signedIn: boolean;
  historyTime: number | null;
}

export interface Player { video: HTMLVideoElement; hls: Hls | null; currentTime(): number }

const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
const VIEW_EVERY_MS = 10_000;

function resumeKey(uuid: string) { return `kinora-resume-${uuid}`; }

function savedLocalTime(uuid: string): number | null {
  try {
    const v = Number(localStorage.getItem(resumeKey(uuid)));
    return Number.isFinite(v) && v > 0 ? v : null;
  } catch { return null; }
}

function select(id: string, label: string, options: [string, string][]): [HTMLLabelElement, HTMLSelectElement] {
  const s = el('select', { id });
  for (const [value, text] of options) s.append(el('option', { value, text }));
  return [el('label', { for: id, class: 'control-label', text: label }), s];
}

function button(label: string, text: string): HTMLButtonElement {
  const b = el('button', { type: 'button', class: 'control-button', 'aria-label': label, title: label });
  b.textContent = text;
  return b;
}

export function setupPlayer(wrap: HTMLElement, data: PlayerData): Player | null {
  const video = wrap.querySelector('video');
  if (!video) return null;
  const bar = el('div', { class: 'player-controls', role: 'group', 'aria-label': t('js.player.controls') });
  let hls: Hls | null = null;

  // Where to begin: an explicit start wins, else where this viewer stopped (server history when
  // signed in, local storage otherwise), unless that was at the very beginning or end.
  let startAt = data.start;
  if (startAt == null) {
    const resume = data.signedIn ? data.historyTime : savedLocalTime(data.uuid);
    if (resume && resume > 5) startAt = resume;
  }

  const qualities: [string, string][] = [['-1', t('js.player.auto')]];
  const [qualityLabel, quality] = select('player-quality', t('js.player.quality'), qualities);
  const canMse = Hls.isSupported();
  const nativeHls = video.canPlayType('application/vnd.apple.mpegurl') !== '';
  for (const s of Array.from(video.querySelectorAll('source'))) s.remove();
  video.removeAttribute('src');

  if (data.hls && canMse) {
    hls = new Hls({ startPosition: startAt ?? -1, capLevelToPlayerSize: true });
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      quality.replaceChildren(el('option', { value: '-1', text: t('js.player.auto') }));
      hls!.levels.forEach((level, i) => {
        quality.append(el('option', { value: String(i), text: `${level.height}p` }));
      });
      if (data.autoplay) void video.play().catch(() => undefined);
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, (_e, d) => {
      const auto = quality.options[0];
      if (auto && hls) {
        auto.textContent = hls.autoLevelEnabled
          ? `${t('js.player.auto')} (${hls.levels[d.level]?.height ?? '?'}p)` : t('js.player.auto');
      }
      wrap.dataset.level = String(d.level);
    });
    hls.on(Hls.Events.ERROR, (_e, d) => {
      if (!d.fatal || !hls) return;
      if (d.type === Hls.ErrorTypes.NETWORK_ERROR) hls.startLoad();
      else if (d.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      else fallBackToFiles();
    });
    hls.loadSource(data.hls);
    hls.attachMedia(video);
    quality.addEventListener('change', () => {
      if (!hls) return;
      const level = Number(quality.value);
      hls.currentLevel = level; // immediate switch; -1 goes back to automatic choice
      announce(quality.selectedOptions[0]?.textContent || '');
    });
  } else if (data.hls && nativeHls) {
    // iOS Safari: the system player picks the rendition itself.
    video.src = data.hls;
    quality.disabled = true;
  } else {
    fallBackToFiles();
  }

  function fallBackToFiles() {
    if (hls) { hls.destroy(); hls = null; }
    const files = [...data.files].sort((a, b) => b.resolution - a.resolution);
    if (!files.length) return;
    quality.replaceChildren(...files.map((f) => el('option', { value: f.url, text: f.label })));
    video!.src = files[0]!.url;
    quality.onchange = () => {
      const at = video!.currentTime;
      const playing = !video!.paused;
      video!.src = quality.value;
      video!.currentTime = at;
      if (playing) void video!.play();
    };
  }

  if (!hls && startAt) {
    video.addEventListener('loadedmetadata', () => { video.currentTime = startAt!; }, { once: true });
  }
  if (!hls && data.autoplay) void video.play().catch(() => undefined);
  if (data.muted) video.muted = true;
  if (data.loop) video.loop = true;

  const [speedLabel, speed] = select('player-speed', t('js.player.speed'),
    SPEEDS.map((s) => [String(s), s === 1 ? t('js.player.normal') : `${s}×`]));
  speed.value = '1';
  speed.addEventListener('change', () => { video.playbackRate = Number(speed.value); });

  const [captionsLabel, captions] = select('player-captions', t('js.player.captions'), [['', t('js.player.off')]]);
  captions.disabled = true;
  const showCaptions = (index: string) => {
    Array.from(video.textTracks).forEach((track, i) => {
      track.mode = String(i) === index ? 'showing' : 'disabled';
    });
    captions.value = index;
  };
  captions.addEventListener('change', () => showCaptions(captions.value));
  void loadCaptions(data.id, video, captions);

  const fullscreen = button(t('js.player.fullscreen'), t('js.player.fullscreen_short'));
  fullscreen.addEventListener('click', () => toggleFullscreen(wrap));
  bar.append(qualityLabel, quality, speedLabel, speed, captionsLabel, captions);
  if (document.pictureInPictureEnabled) {
    const pip = button(t('js.player.pip'), t('js.player.pip_short'));
    pip.addEventListener('click', () => {
      if (document.pictureInPictureElement) void document.exitPictureInPicture();
      else void video.requestPictureInPicture().catch(() => undefined);
    });
    bar.append(pip);
  }
  bar.append(fullscreen);
  wrap.append(bar);

  // Keyboard shortcuts, as on other video sites, unless the visitor is typing or on a control.
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target as HTMLElement;
    if (target.closest('input, textarea, select, [contenteditable], dialog, .player-controls')) return;
    if (target.closest('button, a, summary') && (e.key === ' ' || e.key === 'Enter')) return;
    let handled = true;
    switch (e.key) {
      case ' ': case 'k': if (video.paused) void video.play(); else video.pause(); break;
      case 'ArrowLeft': video.currentTime = Math.max(0, video.currentTime - 5); break;
      case 'ArrowRight': video.currentTime = Math.min(video.duration || Infinity, video.currentTime + 5); break;
      case 'ArrowUp': video.volume = Math.min(1, video.volume + 0.1); break;
      case 'ArrowDown': video.volume = Math.max(0, video.volume - 0.1); break;
      case 'f': toggleFullscreen(wrap); break;
      case 'm': video.muted = !video.muted; announce(video.muted ? t('js.player.muted') : t('js.player.unmuted')); break;
      case 'c': {
        if (captions.disabled) break;
        const next = captions.value === '' ? '0' : '';
        showCaptions(next);
        announce(next === '' ? t('js.player.captions_off') : t('js.player.captions_on'));
        break;
      }
      default: handled = false;
    }
    if (handled) e.preventDefault();
  });

  trackProgress(video, data);
  return { video, get hls() { return hls; }, currentTime: () => video.currentTime };
}

function toggleFullscreen(wrap: HTMLElement) {
  if (document.fullscreenElement) void document.exitFullscreen();
  else void wrap.requestFullscreen().catch(() => undefined);
}

/// Captions in PeerTube's shape (`GET /videos/{id}/captions`); none when the API answers 404.
async function loadCaptions(id: number, video: HTMLVideoElement, captions: HTMLSelectElement) {
  type Caption = { language: { id: string; label: string }; captionPath?: string; fileUrl?: string };
  let list: Caption[] = [];
  try {
    list = (await api<{ data: Caption[] }>('GET', `/videos/${id}/captions`)).data || [];
  } catch { return; }
  list.forEach((c, i) => {
    const src = c.fileUrl || c.captionPath;
    if (!src) return;
    video.append(el('track', { kind: 'subtitles', src, srclang: c.language.id, label: c.language.label }));
    captions.append(el('option', { value: String(i), text: c.language.label }));
  });
  if (list.length) captions.disabled = false;
  Array.from(video.textTracks).forEach((track) => { track.mode = 'disabled'; });
}

/// Counts the view and remembers where the viewer is: `POST /videos/{id}/views` with the current
/// time every few seconds of playing (the server keeps it in the signed-in viewer's history and
/// counts one view per viewer per hour), and local storage for everyone.
function trackProgress(video: HTMLVideoElement, data: PlayerData) {
  let last = 0;
  const report = (force: boolean) => {
    const now = Date.now();
    if (!force && now - last < VIEW_EVERY_MS) return;
    last = now;
    const currentTime = Math.floor(video.currentTime);
    try {
      const nearEnd = video.duration && currentTime > video.duration - 10;
      if (nearEnd) localStorage.removeItem(resumeKey(data.uuid));
      else localStorage.setItem(resumeKey(data.uuid), String(currentTime));
    } catch { /* storage disabled */ }
    void api('POST', `/videos/${data.id}/views`, { currentTime }).catch(() => undefined);
  };
  video.addEventListener('timeupdate', () => { if (!video.paused) report(false); });
  video.addEventListener('pause', () => report(true));
  video.addEventListener('ended', () => report(true));
  window.addEventListener('pagehide', () => report(true));
}
