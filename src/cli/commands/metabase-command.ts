import type { Command } from 'commander';
import { parseConfig } from '../../config.js';
import { ValidationError } from '../../errors.js';
import { MetabaseClient, type MetabaseAuth } from '../../metabase/metabase-client.js';
import { isLoopbackUrl, metabaseDatabase } from '../../metabase/metabase-database.js';
import { setupMetabase } from '../../metabase/metabase-setup.js';
import { METABASE_START_TIMEOUT_MS } from '../../metabase/metabase-wait.js';
import type { CliContext } from '../cli-context.js';

interface MetabaseSetupOptions {
  url?: string;
  user?: string;
  password?: string;
  apiKey?: string;
  dbHost?: string;
  sqlitePath?: string;
  wait?: string;
}

function parseWaitSeconds(raw: string | undefined): number {
  if (raw === undefined) return METABASE_START_TIMEOUT_MS;
  const seconds = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(seconds) || seconds < 1)
    throw new ValidationError('--wait must be a whole number of seconds, at least 1', '--wait');
  return seconds * 1000;
}

export function registerMetabaseCommand(program: Command, context: CliContext): void {
  const metabase = program.command('metabase').description('provision Metabase over the same SQL');
  metabase
    .command('setup')
    .description(
      'register DATABASE_URL in Metabase with a collection of questions (one per reporting view) and a dashboard; run again, it updates in place',
    )
    .option('--url <url>', 'Metabase base URL (or METABASE_URL)')
    .option(
      '--user <email>',
      'Metabase admin email (or METABASE_USER); on a brand-new Metabase it becomes the first admin',
    )
    .option(
      '--password <password>',
      'its password (prefer METABASE_PASSWORD: options show in the process list)',
    )
    .option(
      '--api-key <key>',
      'a Metabase API key instead of user and password (or METABASE_API_KEY)',
    )
    .option('--db-host <host>', 'database host as Metabase sees it (in Docker: the service name)')
    .option(
      '--sqlite-path <path>',
      'absolute path of the SQLite file as Metabase sees it (needed when Metabase runs on another host or in a container)',
    )
    .option(
      '--wait <seconds>',
      `how long to wait for Metabase to finish starting (default ${METABASE_START_TIMEOUT_MS / 1000})`,
    )
    .action(async (options: MetabaseSetupOptions) => {
      const config = parseConfig(context.env);
      const url = options.url ?? config.metabase.url;
      if (!url || !/^https?:\/\//.test(url) || !URL.canParse(url))
        throw new ValidationError(
          '--url (or METABASE_URL) must be the http(s) URL of Metabase',
          '--url',
        );
      const apiKey = options.apiKey ?? config.metabase.apiKey;
      const user = options.user ?? config.metabase.user;
      const password = options.password ?? config.metabase.password;
      let auth: MetabaseAuth;
      if (apiKey) auth = { apiKey };
      else if (user && password) auth = { username: user, password };
      else
        throw new ValidationError(
          'give --user and --password (or METABASE_USER and METABASE_PASSWORD), or --api-key',
          '--user',
        );
      const timeoutMs = parseWaitSeconds(options.wait);
      const database = metabaseDatabase(config.database, {
        ...(options.dbHost ? { host: options.dbHost } : {}),
        ...(options.sqlitePath !== undefined ? { sqlitePath: options.sqlitePath } : {}),
        metabaseIsLocal: isLoopbackUrl(url),
        cwd: process.cwd(),
      });
      const client = new MetabaseClient(url, auth);
      const result = await setupMetabase(client, {
        database,
        ...(user && password ? { admin: { email: user, password } } : {}),
        wait: { timeoutMs },
        log: context.stdout,
      });
      context.stdout(
        `Metabase ${result.version}: ${result.created.length} objects created, ${result.updated.length} updated; dashboard ${url.replace(/\/+$/, '')}/dashboard/${result.dashboardId}`,
      );
    });
}
