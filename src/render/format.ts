/** Small printf- and strftime-style helpers shared by the renderers (`%-Ns`, `%Ns`, `%a %b`). */

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

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The C locale's `%a`, `%b` and `%H:%M:%S` of a date in UTC (netlab's and a pod's time zone): `Sun`, `Nov`, `07:47:50`. */
export function utcDateWords(date: Date): { readonly weekday: string; readonly month: string; readonly time: string } {
  const two = (n: number) => String(n).padStart(2, '0');
  return {
    weekday: WEEKDAYS[date.getUTCDay()]!,
    month: MONTHS[date.getUTCMonth()]!,
    time: `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`,
  };
}
