// What makes two incidents of a service "the same alert" for the noise figures: PagerDuty's
// incident_key (the dedup key of the Events API) when it has one, else the title with what
// changes from one firing to the next masked. Stored with the facts (incident_metrics.repeat_key)
// so that the repeat test is an indexed equality.

/** The stored key's longest length: the column is varchar(255), indexed. */
export const REPEAT_KEY_MAX_LENGTH = 255;

/** Which field a repeat key comes from. */
export type RepeatKeySource = 'incident_key' | 'title';

// In this order: a UUID or a timestamp holds digits and hex that the later masks would split.
const MASKS: readonly [RegExp, string][] = [
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [
    /\b\d{4}-\d{2}-\d{2}(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?/gi,
    '<time>',
  ],
  [/\b\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s?[ap]m)?\b/gi, '<time>'],
  [/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '<ip>'],
  // IPv6: at least three groups, or a compressed form with '::'.
  [/(?<![\w:])(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{1,4}(?![\w:])/gi, '<ip>'],
  [/(?<![\w:])(?=[0-9a-f:]*::)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])/gi, '<ip>'],
  // Hex ids: 0x-prefixed, or 6+ hex characters with a digit (commit shas, pod suffixes, trace
  // ids), so that words such as "deface" or "added" stay.
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{6,}\b/gi, '<hex>'],
  [/\d+(?:\.\d+)?/g, '<n>'],
];

/**
 * A title with what varies between firings of one alert masked (UUIDs, dates and times, IPv4 and
 * IPv6 addresses, hex ids, numbers), lower-cased and with runs of spaces made one.
 */
export function normaliseTitle(title: string): string {
  let out = title.toLowerCase();
  for (const [pattern, mask] of MASKS) out = out.replace(pattern, mask);
  return out.replace(/\s+/g, ' ').trim();
}

/**
 * An incident's repeat key: `k ` and its incident_key, else `t ` and its normalised title; null
 * with neither. Cut to REPEAT_KEY_MAX_LENGTH characters: two titles that differ only past that
 * count as one alert (a limit of the indexed column).
 */
export function repeatKeyOf(incident: {
  incident_key: string | null;
  title: string | null;
}): string | null {
  const key = incident.incident_key?.trim();
  if (key) return cut(`k ${key}`);
  const title = incident.title ? normaliseTitle(incident.title) : '';
  return title ? cut(`t ${title}`) : null;
}

/** The first REPEAT_KEY_MAX_LENGTH characters, by code point: a surrogate pair cut in two is not UTF-8. */
function cut(text: string): string {
  return Array.from(text).slice(0, REPEAT_KEY_MAX_LENGTH).join('');
}

/** A stored repeat key as the API shows it: the field it comes from and its text. */
export function splitRepeatKey(stored: string): { source: RepeatKeySource; key: string } {
  return {
    source: stored.startsWith('k ') ? 'incident_key' : 'title',
    key: stored.slice(2),
  };
}
