/**
 * Typed errors. Routes and libraries throw these; the API's one error handler maps them to HTTP
 * and the CLI maps them to exit codes. Messages must never contain secrets.
 */
export class AppError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly statusCode: number,
    /** Extra fields of the error body, such as the id of the run that holds the sync lease. */
    readonly details?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input from a user: a request parameter, a CLI option or an environment variable. */
export class ValidationError extends AppError {
  constructor(
    message: string,
    readonly parameter?: string,
  ) {
    super(message, 'invalid_parameter', 400);
  }
}

/** An invalid configuration value; the message names the variable and never echoes a secret. */
export class ConfigError extends AppError {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`, 'invalid_config', 500);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(message, 'not_found', 404);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'missing or invalid bearer token') {
    super(message, 'unauthorized', 401);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict', details?: Record<string, string>) {
    super(message, code, 409, details);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, code = 'forbidden') {
    super(message, code, 403);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(
    message: string,
    /** Sent as Retry-After: when the caller (PagerDuty's webhook delivery) should try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message, 'service_unavailable', 503);
  }
}

/** A port another process holds: start-up stops at once, naming the port and how to choose one. */
export class PortInUseError extends AppError {
  constructor(
    readonly host: string,
    readonly port: number,
    /** The option or variable that chose it, such as `--port or PORT`. */
    chosenBy: string,
  ) {
    super(
      `port ${port} on ${host} is in use by another program: stop it, or choose another port with ${chosenBy}`,
      'port_in_use',
      500,
    );
  }
}

/** A listen error as PortInUseError when the port is taken; any other error as it is. */
export function portInUse(error: unknown, host: string, port: number, chosenBy: string): unknown {
  return (error as { code?: unknown } | null)?.code === 'EADDRINUSE'
    ? new PortInUseError(host, port, chosenBy)
    : error;
}
