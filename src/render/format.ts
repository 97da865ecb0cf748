/** Small printf-style helpers shared by the renderers (`%-Ns`, `%Ns`). */

/** `%-Ns`: left-aligned in a field of at least `width` characters (never truncates). */
export function padRight(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** `%Ns`: right-aligned in a field of at least `width` characters (never truncates). */
export function padLeft(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

/** `%8.2f`-style seconds as the kernel's timers are printed by iproute2 and brctl (`   0.00`). */
export function timer(seconds: number, width: number): string {
  return padLeft(seconds.toFixed(2), width);
}
