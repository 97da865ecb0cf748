/**
 * Where a lab may read files from. Labs come from courses and repositories
 * people did not write, and `lab run` reads the files a lab names (its
 * `topology:`) and reports what it finds in them, to the terminal and into
 * JUnit files that CI publishes. So a path in a lab resolves inside the lab
 * file's own folder, or inside netlab's own labs/ (`../default.yaml`);
 * anything else, an absolute path or a symbolic link leading out included,
 * needs `netlab lab run --allow-outside`, given by someone who trusts the lab.
 *
 * A path outside is refused before anything there is even looked at, so a
 * lab cannot probe which files exist.
 */
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The labs installed with netlab (the repository's labs/ in a checkout). */
export const PACKAGE_LABS = fileURLToPath(new URL('../../labs', import.meta.url));

export type LabPath =
  { readonly path: string; readonly problem?: undefined } | { readonly problem: string; readonly hint: string; readonly path?: undefined };

const HINT = "a lab reads files in its own folder (or netlab's labs/); run netlab lab run --allow-outside for a lab you trust";

/** `written` (from the lab file at `labFile`, absolute) as an absolute path, or why it may not be read. */
export function resolveLabPath(labFile: string, written: string, allowOutside: boolean): LabPath {
  const path = resolve(dirname(labFile), written);
  if (allowOutside) return { path };
  const roots = [dirname(labFile), PACKAGE_LABS];
  if (!roots.some((root) => isInside(path, root))) return { problem: `${written} is outside the lab's folder`, hint: HINT };
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return { path }; // missing, or unreadable: the reader says which
  }
  const realRoots = roots.flatMap((root) => {
    try {
      return [realpathSync(root)];
    } catch {
      return [];
    }
  });
  if (!realRoots.some((root) => isInside(real, root)))
    return { problem: `${written} leads outside the lab's folder (through a symbolic link)`, hint: HINT };
  return { path };
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel.split(sep)[0] !== '..' && !isAbsolute(rel);
}
