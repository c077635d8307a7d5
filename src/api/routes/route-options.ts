import type { AnalyticsConfig } from '../../config.js';
import type { Db } from '../../db/connection.js';

/** What every read route plugin is given. */
export interface AnalyticsRoutesOptions {
  db: Db;
  /** How the figures are computed: the default zone, major priorities. */
  analytics: AnalyticsConfig;
  /** "Now" for time-relative answers (upcoming shifts, file names). */
  clock: () => Date;
}
