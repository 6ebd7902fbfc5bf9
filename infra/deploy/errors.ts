/** A failure the deploy explains itself: its message is the whole story, no stack trace. */
export class DeployError extends Error {
  override readonly name = 'DeployError';
}

/**
 * One line for any error. An AWS SDK error is named by its AWS error code
 * (ValidationError, AccessDeniedException...), so that is what leads the line;
 * a plain Error (ours, or Node's) says enough with its message.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof DeployError || error.name === 'Error') return error.message;
  return `${error.name}: ${error.message}`;
}
