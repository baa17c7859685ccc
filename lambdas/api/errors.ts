/** Errors the API turns into its `{"error": {code, message, field}}` answers. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** More facts the answer's `error` object carries, e.g. the checklist items a refused close misses. */
    readonly extra?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (id: string) => new ApiError(404, 'not_found', `incident ${id} does not exist`);

export const conflict = (message: string) => new ApiError(409, 'conflict', message);
