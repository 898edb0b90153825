import { NegmineError } from '../core/errors.ts';
import { parseJsonExact } from './exact-json.ts';
import { fileError, readLines, type LineReaderOptions } from './line-reader.ts';

export interface JsonlSourceOptions extends LineReaderOptions {
  /**
   * Called for a line that is not valid UTF-8 or not valid JSON (the line is then dropped); without it such a
   * line is an error. It may throw to stop reading (--on-bad-row error).
   */
  onInvalidLine?: (reason: 'invalid_utf8' | 'invalid_json', lineNumber: number, problem: string) => void;
}
import type { RecordSource, SourceRecord } from './record-source.ts';

/** Why a first line that is not JSON may be a different format altogether. */
function firstLineHint(text: string): string {
  if (text.trim() === '[') return '; expected one JSON object per line (JSONL), not a JSON array';
  if (!text.trimStart().startsWith('{') && text.includes('\t')) return '; the line is tab-separated text: negmine reads JSONL and Parquet, not TSV';
  return '';
}

/**
 * Streams a JSONL file record by record: blank lines are skipped, malformed JSON is an error naming the line,
 * and a file with no records is an error. '-' reads stdin.
 */
export function openJsonlSource(file: string, options: JsonlSourceOptions = {}): RecordSource {
  async function* batches(): AsyncGenerator<SourceRecord[]> {
    let sawRecord = false;
    let sawLine = false;
    for await (const lines of readLines(file, options)) {
      const records: SourceRecord[] = [];
      for (const { text, lineNumber, invalidUtf8 } of lines) {
        sawLine = true;
        if (invalidUtf8 === true) {
          if (options.onInvalidLine === undefined) throw new NegmineError('E_INPUT_PARSE', `Cannot read '${file}' line ${lineNumber}: invalid UTF-8`);
          options.onInvalidLine('invalid_utf8', lineNumber, 'invalid UTF-8');
          continue;
        }
        if (text.trim() === '') continue;
        let value: unknown;
        try {
          value = parseJsonExact(text);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          const hint = lineNumber === 1 ? firstLineHint(text) : '';
          const problem = `invalid JSON (${reason})${hint}`;
          if (options.onInvalidLine === undefined) throw new NegmineError('E_INPUT_PARSE', `Cannot read '${file}' line ${lineNumber}: ${problem}`);
          options.onInvalidLine('invalid_json', lineNumber, problem);
          continue;
        }
        records.push({ value, position: lineNumber });
      }
      if (records.length > 0) {
        sawRecord = true;
        yield records;
      }
    }
    if (!sawRecord) throw fileError(file, sawLine ? 'file has no JSON lines (only blank lines)' : 'file is empty');
  }
  return { file, unit: 'line', batches };
}
