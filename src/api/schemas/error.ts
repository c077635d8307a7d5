/** The one error body every route answers with; declared on every route for the OpenAPI document. */
export const ERROR_SCHEMA = {
  $id: 'Error',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', example: 'invalid_parameter' },
        message: { type: 'string', example: "invalid parameter 'limit': must be integer" },
        parameter: { type: 'string', description: 'The offending parameter, for 400 answers.' },
        run_id: { type: 'string', description: 'The running sync, for 409 sync_already_running.' },
      },
    },
  },
} as const;

export const ERROR_REF = { $ref: 'Error#' } as const;

/** Error responses shared by routes, to spread into a route's `response` schema. */
export const COMMON_ERRORS = {
  400: { description: 'A parameter is malformed', ...ERROR_REF },
  401: { description: 'Missing or wrong bearer token', ...ERROR_REF },
  500: { description: 'Internal error (details are logged, not returned)', ...ERROR_REF },
} as const;

export const NOT_FOUND = { description: 'No such object', ...ERROR_REF } as const;
