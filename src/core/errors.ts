// An error the API answers with: its AWS type name, message and HTTP status.
// Operations throw these; the protocol layer encodes them. Anything else thrown is a bug
// and is answered as InternalFailure.

export class KinesisError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export const invalidArgument = (message: string) => new KinesisError('InvalidArgumentException', message);
export const resourceNotFound = (message: string) => new KinesisError('ResourceNotFoundException', message);
export const resourceInUse = (message: string) => new KinesisError('ResourceInUseException', message);
export const limitExceeded = (message: string) => new KinesisError('LimitExceededException', message);
export const validationError = (message: string) => new KinesisError('ValidationException', message);
export const expiredIterator = (message: string) => new KinesisError('ExpiredIteratorException', message);
/** The event-stream exception for a failure of ours (a plain response answers InternalFailure). */
export const internalFailure = (message = 'Internal service failure.') =>
  new KinesisError('InternalFailureException', message, 500);
