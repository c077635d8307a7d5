/** What commands read from and write to, passed in so tests can run commands in-process. */
export interface CliContext {
  env: Record<string, string | undefined>;
  /** Writes a line to stdout. */
  stdout(line: string): void;
  /** Writes text to stdout as it is: a CSV chunk, whose lines already end. */
  stdoutText(text: string): void;
  stderr(line: string): void;
  /** Runs `handler` when the process is asked to stop (SIGINT/SIGTERM), then exits with its code (default 0). */
  onShutdown(handler: () => Promise<number | undefined>): void;
}
