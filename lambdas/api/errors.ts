import { InvalidCursorError } from '#core/cursor';

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

/** Reads a page of a listing: a cursor the listing refuses is the caller's 400, naming `cursor`. */
export async function cursorPage<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof InvalidCursorError)
      throw new ApiError(400, 'invalid_request', error.message, 'cursor');
    throw error;
  }
}
