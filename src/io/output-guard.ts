import { constants, type Stats } from 'node:fs';
import { access, lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { NegmineError, escapeControl } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { DatasetInput } from './dataset/load-dataset.ts';
import { removeStaleTemps } from './stale-temp.ts';

/** A path given with a flag; undefined (flag absent) and '-' (stdin/stdout) are skipped. */
export interface FlaggedPath {
  flag: string;
  path: string | undefined;
}

export interface OutputPlan {
  /** What the run reads: files, or folders whose every file is read (a --beir folder, a local model). */
  inputs: readonly FlaggedPath[];
  /** Files the run writes. */
  files: readonly FlaggedPath[];
  /** Folders the run replaces as a whole (--save-index). */
  replacedFolders?: readonly FlaggedPath[];
  /** Folders the run creates when missing and writes into (--cache-dir). */
  createdFolders?: readonly FlaggedPath[];
}

interface InputFile {
  flag: string;
  /** As the user named it (the file itself, or the folder flag's path joined with the file inside). */
  shown: string;
  real: string;
}

// Bounds the walk of input folders: a model or BEIR folder has a handful of files.
const MAX_FOLDER_ENTRIES = 10_000;

function usage(message: string): NegmineError {
  return new NegmineError('E_USAGE', message);
}

function given(paths: readonly FlaggedPath[] | undefined): { flag: string; path: string }[] {
  return (paths ?? []).filter((entry): entry is { flag: string; path: string } => entry.path !== undefined && entry.path !== '-');
}

async function statOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await stat(file);
  } catch {
    return undefined;
  }
}

function identity(info: Stats): string {
  return `${info.dev}:${info.ino}`;
}

/** Every regular file an input names, keyed by device and inode (so links and `./x` spellings match). */
async function inputFiles(inputs: readonly FlaggedPath[]): Promise<{ byIdentity: Map<string, InputFile>; realFiles: InputFile[] }> {
  const byIdentity = new Map<string, InputFile>();
  const realFiles: InputFile[] = [];
  let budget = MAX_FOLDER_ENTRIES;
  const add = async (flag: string, shown: string, info: Stats): Promise<void> => {
    const entry = { flag, shown, real: await realpath(shown).catch(() => path.resolve(shown)) };
    if (!byIdentity.has(identity(info))) byIdentity.set(identity(info), entry);
    realFiles.push(entry);
  };
  const walk = async (flag: string, dir: string): Promise<void> => {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      if ((budget -= 1) < 0) return;
      const file = path.join(dir, name);
      const info = await statOrUndefined(file);
      if (info?.isFile() === true) await add(flag, file, info);
      // Linked folders are not followed: a link loop would never end.
      else if (info?.isDirectory() === true && !(await lstat(file)).isSymbolicLink()) await walk(flag, file);
    }
  };
  for (const { flag, path: file } of given(inputs)) {
    const info = await statOrUndefined(file);
    if (info?.isFile() === true) await add(flag, file, info);
    else if (info?.isDirectory() === true) await walk(flag, file);
  }
  return { byIdentity, realFiles };
}

/** The real path of a file that may not exist yet: its nearest existing ancestor resolved, the rest appended. */
async function realTarget(file: string): Promise<{ real: string; ancestor: string }> {
  let ancestor = path.resolve(file);
  const rest: string[] = [];
  for (;;) {
    const real = await realpath(ancestor).catch(() => undefined);
    if (real !== undefined) return { real: path.join(real, rest.join(path.sep)), ancestor };
    const parent = path.dirname(ancestor);
    if (parent === ancestor) return { real: path.resolve(file), ancestor };
    rest.unshift(path.basename(ancestor));
    ancestor = parent;
  }
}

async function checkWritableFolder(flag: string, target: string, dir: string): Promise<void> {
  const info = await statOrUndefined(dir);
  if (info === undefined) throw usage(`Cannot write ${flag} '${target}': folder '${dir}' does not exist`);
  if (!info.isDirectory()) throw usage(`Cannot write ${flag} '${target}': '${dir}' is not a folder`);
  try {
    await access(dir, constants.W_OK);
  } catch (error) {
    throw usage(`Cannot write ${flag} '${target}': folder '${dir}' is not writable (${(error as NodeJS.ErrnoException).code ?? 'EACCES'})`);
  }
}

function isInside(child: string, folder: string): boolean {
  return child === folder || child.startsWith(folder.endsWith(path.sep) ? folder : folder + path.sep);
}

/**
 * Checks a run's outputs before any work: each output's folder exists and is writable; no output is one of the
 * inputs (compared by device and inode, and by real path for folders a run replaces); no two outputs are the same
 * file; no output lies in a folder that --save-index replaces. Then removes temp files that killed runs of this
 * host left in those folders. Every refusal is E_USAGE naming the flag and the path.
 */
export async function checkOutputs(plan: OutputPlan, log: Logger): Promise<void> {
  const inputs = await inputFiles(plan.inputs);
  const replaced = await Promise.all(given(plan.replacedFolders).map(async (entry) => ({ ...entry, ...(await realTarget(entry.path)) })));
  const seen = new Map<string, FlaggedPath>();
  const folders = new Set<string>();

  for (const { flag, path: file } of given(plan.files)) {
    const dir = path.dirname(file);
    await checkWritableFolder(flag, file, dir);
    folders.add(dir);
    const info = await statOrUndefined(file);
    if (info?.isDirectory() === true) throw usage(`Cannot write ${flag} '${file}': it is a folder`);
    const input = info === undefined ? undefined : inputs.byIdentity.get(identity(info));
    if (input !== undefined) throw usage(`Refusing ${flag} '${file}': it is the input ${input.flag} '${input.shown}', which the output would replace; write to another file`);
    // Devices and FIFOs are written in place: two outputs to /dev/null are harmless.
    if (info !== undefined && !info.isFile()) continue;
    const { real } = await realTarget(file);
    const key = info === undefined ? `path:${real}` : identity(info);
    const earlier = seen.get(key);
    if (earlier !== undefined) throw usage(`Refusing ${flag} '${file}': ${earlier.flag} '${earlier.path ?? ''}' names the same file`);
    seen.set(key, { flag, path: file });
    const around = replaced.find((folder) => isInside(real, folder.real));
    if (around !== undefined) throw usage(`Refusing ${flag} '${file}': it is inside ${around.flag} '${around.path}', which the run replaces`);
  }

  for (const folder of replaced) {
    const info = await statOrUndefined(folder.path);
    if (info !== undefined && !info.isDirectory()) throw usage(`Cannot write ${folder.flag} '${folder.path}': it exists and is not a folder`);
    await checkWritableFolder(folder.flag, folder.path, folder.ancestor);
    const input = inputs.realFiles.find((entry) => isInside(entry.real, folder.real));
    if (input !== undefined) throw usage(`Refusing ${folder.flag} '${folder.path}': it holds the input ${input.flag} '${input.shown}', which saving the index would delete; use another folder`);
    folders.add(path.dirname(path.resolve(folder.path)));
  }

  for (const { flag, path: dir } of given(plan.createdFolders)) {
    const info = await statOrUndefined(dir);
    if (info !== undefined && !info.isDirectory()) throw usage(`Cannot use ${flag} '${dir}': it is not a folder`);
    await checkWritableFolder(flag, dir, info === undefined ? (await realTarget(dir)).ancestor : dir);
  }

  for (const folder of folders) {
    const removed = await removeStaleTemps(folder);
    if (removed.length > 0) {
      log.info({ event: 'stale_temp_removed', folder, files: removed }, `removed ${removed.length} temp file(s) of killed runs in ${escapeControl(folder)}`);
    }
  }
}

/** The files and folders a dataset input reads, with their flags. */
export function datasetInputPaths(input: DatasetInput): FlaggedPath[] {
  return [
    { flag: '--data', path: input.data },
    { flag: '--corpus', path: input.corpus },
    { flag: '--queries', path: input.queries },
    { flag: '--qrels', path: input.qrels },
    { flag: '--beir', path: input.beir },
  ];
}
