/** File-system errors in words an operator reads in one line ("no such file", "permission denied", ...). */

/** Why a file operation failed, short: the errno in words, else the error's own message. */
export function fsErrorReason(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a file is in the way (not a directory)';
    case 'EEXIST':
      return 'a file of that name exists (not a directory)';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    default:
      return (err as Error).message;
  }
}
