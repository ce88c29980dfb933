// The embed page: the player alone.
import { setupPlayer, PlayerData } from './lib/player';

const wrap = document.querySelector<HTMLElement>('[data-player]');
const data = document.getElementById('player-data');
if (wrap && data) {
  const player = setupPlayer(wrap, JSON.parse(data.textContent || '{}') as PlayerData);
  (window as unknown as Record<string, unknown>).kinoraPlayer = player;
}
