import { ValidationError } from '../errors.js';

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
