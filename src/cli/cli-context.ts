/** What commands read from and write to, passed in so tests can run commands in-process. */
export interface CliContext {
  env: Record<string, string | undefined>;
  stdout(line: string): void;
  stderr(line: string): void;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  onShutdown(handler: () => Promise<void>): void;
}
