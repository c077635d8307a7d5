import { ValidationError } from '../errors.js';
import type { SyncRequestSource } from '../sync/index.js';

/** Parses a whole-number option; the message names the option. */
export function parseIntegerOption(raw: string, option: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new ValidationError(`${option} must be a whole number from ${min} to ${max}`, option);
  }
  return Number(raw);
}

/** Parses a share between 0 and 1 (a fault rate). */
export function parseShareOption(raw: string, option: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new ValidationError(`${option} must be a number from 0 to 1`, option);
  }
  return value;
}

/** Parses one of a fixed set of values. */
export function parseChoiceOption<T extends string>(
  raw: string,
  option: string,
  choices: readonly T[],
): T {
  if (!(choices as readonly string[]).includes(raw))
    throw new ValidationError(`${option} must be one of ${choices.join(', ')}`, option);
  return raw as T;
}

/** A query parameter as the command line's option: `team_id` is `--team-id`. */
export function optionOf(parameter: string): string {
  return `--${parameter.replace(/_/g, '-')}`;
}

/**
 * Checks options against the `pattern` the API declares for the same query parameters (a
 * report's `query`: of a string, or of a list's items), so the command line refuses, with exit 2
 * naming the option, what the API answers 400 to: `--user-id: 'b@d' must match pattern "…"`.
 */
export function checkOptionPatterns(
  values: Readonly<Record<string, string | readonly string[] | undefined>>,
  properties: Readonly<Record<string, unknown>>,
): void {
  for (const [parameter, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const schema = properties[parameter] as
      { pattern?: string; items?: { pattern?: string } } | undefined;
    const pattern = typeof value === 'string' ? schema?.pattern : schema?.items?.pattern;
    if (pattern === undefined) continue;
    const bad = (typeof value === 'string' ? [value] : value).find(
      (v) => !new RegExp(pattern, 'u').test(v),
    );
    if (bad !== undefined) {
      const option = optionOf(parameter);
      throw new ValidationError(`${option}: '${bad}' must match pattern "${pattern}"`, option);
    }
  }
}

/** Parses a duration such as 90s, 15m or 2h (at least `minMs`). */
export function parseDurationOption(raw: string, option: string, minMs: number): number {
  const match = /^(\d+)(s|m|h)$/.exec(raw.trim());
  const unit = { s: 1000, m: 60_000, h: 3_600_000 } as const;
  const ms = match?.[1] && match[2] ? Number(match[1]) * unit[match[2] as keyof typeof unit] : NaN;
  if (!(ms >= minMs))
    throw new ValidationError(
      `${option} must be a duration such as 15m, 1h or 90s, at least ${minMs / 1000}s`,
      option,
    );
  return ms;
}

/**
 * How a sync request's fields are named on the command line, for the exit 2 that names one:
 * `--since: '2026-02-30' is not a real calendar date; …`.
 */
export const CLI_SYNC_SOURCE: SyncRequestSource = {
  name: (field) => `--${field}`,
  message: (name, reason) => `${name}: ${reason}`,
};
