// One zone for the whole page: the picker in the filters (the viewer's own zone at first) says
// which days the date filters are, which weeks every chart counts, and how every axis is labelled.

/** The viewer's zone: the picker's default. */
export const VIEWER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** Zones offered besides the viewer's own. */
export const ZONES = [
  'UTC',
  'America/Los_Angeles',
  'America/New_York',
  'Europe/London',
  'Europe/Berlin',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Australia/Sydney',
];

/** The zone the page is in now. */
export function pageZone(): string {
  const select = document.querySelector<HTMLSelectElement>('select[name="time_zone"]');
  return select?.value || VIEWER_ZONE;
}

const formats = new Map<string, Intl.DateTimeFormat>();
const NUMERIC_PARTS = ['year', 'month', 'day', 'hour', 'minute'] as const;

/** An instant's local year, month, day, hour and minute in `zone`, by name. */
function partsIn(ms: number, zone: string): Record<string, number> {
  const f =
    formats.get(zone) ??
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      ...Object.fromEntries(NUMERIC_PARTS.map((part) => [part, 'numeric'])),
    });
  formats.set(zone, f);
  return Object.fromEntries(
    f
      .formatToParts(ms)
      .filter((p) => p.type !== 'literal')
      .map((p) => [p.type, Number(p.value)]),
  );
}

function offsetMs(ms: number, zone: string): number {
  const p = partsIn(ms, zone);
  const wall = Date.UTC(p['year'] ?? 1970, (p['month'] ?? 1) - 1, p['day'], p['hour'], p['minute']);
  return wall - Math.floor(ms / 60_000) * 60_000;
}

/**
 * The instant a local date (YYYY-MM-DD) starts in `zone`, as ISO UTC; `days` later with an
 * offset, so that "Until 30 June" asks for everything before 1 July starts there.
 */
export function startOfDayIn(date: string, zone: string, days = 0): string {
  const [y, m, d] = date.split('-').map(Number);
  const wall = Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + days);
  // Two rounds converge on the offset in force at that midnight.
  let t = wall - offsetMs(wall, zone);
  t = wall - offsetMs(t, zone);
  return new Date(t).toISOString();
}

/** An instant as the local date in `zone` (an axis label). */
export function dateIn(ms: number, zone: string): string {
  const p = partsIn(ms, zone);
  return `${p['year']}-${String(p['month']).padStart(2, '0')}-${String(p['day']).padStart(2, '0')}`;
}

/** Fills the picker: the viewer's zone first. */
export function fillZonePicker(select: HTMLSelectElement): void {
  const zones = [VIEWER_ZONE, ...ZONES.filter((z) => z !== VIEWER_ZONE)];
  select.innerHTML = zones.map((z) => `<option value="${z}">${z}</option>`).join('');
}

/** A time x axis whose labels are dates in the page's zone, and says that zone. */
export function zonedTimeAxis(zone: string): Record<string, unknown> {
  return {
    type: 'time',
    name: zone,
    nameLocation: 'end',
    nameGap: 5,
    nameTextStyle: { align: 'right', verticalAlign: 'top', padding: [22, 0, 0, 0] },
    axisLabel: { formatter: (ms: number) => dateIn(ms, zone), hideOverlap: true },
  };
}
