import { existsSync } from 'node:fs';
import { NegmineError } from '../../core/errors.ts';

/** A Hub model reference: which repository, at which branch, tag or commit. */
export interface HubModelId {
  /** `org/name`, as the Hub spells it. */
  repoId: string;
  /** Branch, tag or 40-hex commit; "main" when the id names none. */
  revision: string;
}

export const DEFAULT_REVISION = 'main';

const COMMIT_PATTERN = /^[0-9a-f]{40}$/;
// huggingface_hub's validate_repo_id: word characters, '-' and '.', not at either end, no '--' or '..'.
const NAME_PATTERN = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const REPO_ID_MAX_LENGTH = 96;
// Git ref names: no spaces, '~^:?*[\', '..', '@{', empty components or a trailing '.lock'.
const REVISION_PATTERN = /^[A-Za-z0-9_.\-/]+$/;

const EXPECTED_FORM = "expected 'org/name' or 'org/name@revision' (e.g. sentence-transformers/all-MiniLM-L6-v2@main)";

/** True for a full 40-hex git commit hash, which the cache addresses without any ref. */
export function isCommitHash(revision: string): boolean {
  return COMMIT_PATTERN.test(revision);
}

function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name) && !name.includes('--') && !name.includes('..');
}

function isValidRevision(revision: string): boolean {
  if (!REVISION_PATTERN.test(revision) || revision.includes('..')) return false;
  if (revision.startsWith('/') || revision.endsWith('/') || revision.endsWith('.lock')) return false;
  return revision.split('/').every((part) => part !== '' && !part.startsWith('.'));
}

/**
 * Parses `org/name[@revision]` (revision: a branch, tag or 40-hex commit; "main" when absent).
 * Throws NegmineError('E_USAGE') naming the value and the expected form.
 */
export function parseModelId(value: string): HubModelId {
  const at = value.indexOf('@');
  const repoId = at === -1 ? value : value.slice(0, at);
  const revision = at === -1 ? DEFAULT_REVISION : value.slice(at + 1);
  const parts = repoId.split('/');
  const [org, name] = parts;
  if (parts.length !== 2 || org === undefined || name === undefined || !isValidName(org) || !isValidName(name) || repoId.length > REPO_ID_MAX_LENGTH) {
    throw new NegmineError('E_USAGE', `Invalid model id '${value}': ${EXPECTED_FORM}`);
  }
  if (!isValidRevision(revision)) {
    throw new NegmineError('E_USAGE', `Invalid revision '${revision}' in model id '${value}': ${EXPECTED_FORM}, where revision is a branch, tag or 40-hex commit`);
  }
  return { repoId, revision };
}

/** `org/name@revision`, or `org/name` for the default revision: the form users type. */
export function formatModelId(id: HubModelId): string {
  return id.revision === DEFAULT_REVISION ? id.repoId : `${id.repoId}@${id.revision}`;
}

/**
 * True when `value` names a local model rather than a Hub id: it exists on disk, or starts with
 * `./`, `../`, `/`, `~` (or a Windows drive or backslash path).
 */
export function isLocalModelPath(value: string, exists: (path: string) => boolean = existsSync): boolean {
  if (value === '.' || value === '..' || value === '~') return true;
  if (/^(?:\.{1,2}[/\\]|[/\\~])/.test(value) || /^[A-Za-z]:[/\\]/.test(value)) return true;
  return exists(value);
}
