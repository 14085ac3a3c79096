/** A Debian package a command needs: the file that shows it is installed, and why it is needed. */
export interface DebianNeed {
  path: string;
  pkg: string;
  why: string;
  /** The environment variable that points at the file instead. */
  override: string;
}

/** The recogniser the emulator hears users with, and its US English model. */
export declare const RECOGNISER_PACKAGES: readonly DebianNeed[];

/**
 * Installs the packages of `needs` whose file is missing (as root on Debian).
 * @returns The needs still missing afterwards (none once installed), each with advice in words.
 */
export declare function ensureDebianPackages(
  needs: readonly DebianNeed[],
): (DebianNeed & { advice: string })[];
