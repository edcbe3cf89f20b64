/**
 * PGlite keeps its database in files that only one process may open: a
 * second process (another `npm start`, `npm run admin` beside a running
 * server) would corrupt them. A lock file in the data folder, holding the
 * owner's pid, makes the second opener stop with a clear message instead.
 * A lock left by a process that no longer runs (a crash, a killed
 * container) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

const LOCK_FILE = 'platform.lock';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the folder's lock or throws DataDirLockedError; returns the release function. */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, LOCK_FILE);
  for (let tries = 0; tries < 2; tries += 1) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
    if (Number.isInteger(owner) && owner !== process.pid && isRunning(owner)) {
      throw new DataDirLockedError(
        `The embedded database in ${dataDir} is open in process ${owner}. Stop that process first ` +
          `(or use PostgreSQL with DATABASE_URL to run several processes). If no such process runs, delete ${file}.`,
      );
    }
    rmSync(file, { force: true }); // stale: its owner is gone
  }
  throw new DataDirLockedError(`could not take the lock ${file}`);
}
