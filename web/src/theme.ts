// Theme: the page follows the system setting until the visitor picks a theme with the toggle.
// Loaded synchronously in <head> (it is tiny) so the saved theme applies before the first paint.
const root = document.documentElement;
const KEY = 'kinora-theme';
try {
  const saved = localStorage.getItem(KEY);
  if (saved === 'light' || saved === 'dark') root.setAttribute('data-theme', saved);
} catch {
  // Storage may be disabled; the system setting then rules.
}
document.addEventListener('DOMContentLoaded', () => {
  const button = document.querySelector<HTMLButtonElement>('[data-theme-toggle]');
  if (!button) return;
  button.hidden = false;
  button.addEventListener('click', () => {
    const current = root.getAttribute('data-theme') ||
      (window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
    const next = current === 'dark' ? 'light' : 'dark';
    root.setAttribute('data-theme', next);
    try { localStorage.setItem(KEY, next); } catch { /* not saved; still applied */ }
  });
});
