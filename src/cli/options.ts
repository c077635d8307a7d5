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
