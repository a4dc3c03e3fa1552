/** Defaults of `FileBackend`, in one place. */

/** Whether `FileBackend` drops one trailing newline from a file's content. */
export const DEFAULT_FILE_TRIM = true;

/**
 * How many times a read resolves the file again after the resolved file vanished. The Kubernetes
 * atomic writer swaps `..data` and then deletes the old directory, so a read that resolved the
 * old target just before the swap finds it gone; resolving again lands on the new one.
 */
export const FILE_RESOLVE_ATTEMPTS = 3;
