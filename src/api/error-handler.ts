import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ServiceUnavailableError } from '../errors.js';

interface ErrorBody {
  error: { code: string; message: string; parameter?: string; run_id?: string };
}

function body(
  code: string,
  message: string,
  parameter?: string,
  details?: Record<string, string>,
): ErrorBody {
  return {
    error: { code, message, ...(parameter === undefined ? {} : { parameter }), ...details },
  };
}

/** Names the parameter of a schema validation failure: `limit`, or the location when none. */
function describeValidation(error: FastifyError): { message: string; parameter?: string } {
  const first = error.validation?.[0];
  const location = error.validationContext ?? 'request';
  if (!first) return { message: error.message };
  const fromPath = first.instancePath.replace(/^\//, '').split('/')[0];
  const params = first.params as
    | { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] }
    | undefined;
  const missing = params?.missingProperty;
  const unknown = params?.additionalProperty;
  const parameter = fromPath || missing || unknown;
  if (!parameter) return { message: `invalid ${location}: ${first.message ?? 'invalid value'}` };
  const reason =
    unknown && !fromPath
      ? 'is not a known parameter'
      : missing && !fromPath
        ? 'is required'
        : first.keyword === 'enum' && Array.isArray(params?.allowedValues)
          ? `must be one of ${params.allowedValues.map(String).join(', ')}`
          : (first.message ?? 'is invalid');
  return { message: `invalid ${location} parameter '${parameter}': ${reason}`, parameter };
}

/**
 * The one place that turns errors into HTTP answers `{"error": {"code", "message"}}`.
 * Typed AppErrors keep their status and message; 5xx details are logged, never returned.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      if (error.statusCode >= 500) request.log.error({ err: error }, 'request failed');
      const parameter =
        'parameter' in error && typeof error.parameter === 'string' ? error.parameter : undefined;
      if (error instanceof ServiceUnavailableError && error.retryAfterSeconds !== undefined)
        void reply.header('retry-after', String(error.retryAfterSeconds));
      return reply
        .status(error.statusCode)
        .send(body(error.code, error.message, parameter, error.details));
    }
    if (error.validation) {
      const { message, parameter } = describeValidation(error);
      return reply.status(400).send(body('invalid_parameter', message, parameter));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (bad JSON, wrong content type, body too large): safe to show.
      return reply
        .status(status)
        .send(body((error.code ?? 'bad_request').toLowerCase(), error.message));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send(body('internal_error', 'internal error; see the server log'));
  });

  app.setNotFoundHandler(notFoundHandler);
}

/** The 404 answer for a path no route matches; scopes with hooks of their own set it again. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return reply
    .status(404)
    .send(body('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`));
}
