/** LiveAvatar's error answers, as the emulator gives them: a status, a message, and 422's field list. */

/** One field that failed validation, as LiveAvatar's 422 `detail` lists it. */
export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** An answer other than 2xx. */
export class LiveAvatarError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail?: ValidationIssue[],
  ) {
    super(message);
  }
}
