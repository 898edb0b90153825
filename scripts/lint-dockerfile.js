#!/usr/bin/env node
// Lints a Dockerfile with dockerfile-utils (the validator behind VS Code's Docker support); any diagnostic fails.
import { readFileSync } from 'node:fs';
import dockerfileUtils from 'dockerfile-utils';

const { ValidationSeverity, validate } = dockerfileUtils;
const ERROR = 1;
const file = process.argv[2] ?? 'Dockerfile';
const content = readFileSync(file, 'utf8');
const diagnostics = validate(content, {
  deprecatedMaintainer: ValidationSeverity.ERROR,
  emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR,
  instructionCmdMultiple: ValidationSeverity.ERROR,
  instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
  instructionWorkdirRelative: ValidationSeverity.ERROR,
});
for (const d of diagnostics) {
  const level = d.severity === ERROR ? 'error' : 'warning';
  process.stderr.write(`${file}:${d.range.start.line + 1}: ${level}: ${d.message}\n`);
}
if (diagnostics.length > 0) process.exitCode = 1;
else process.stderr.write(`lint-dockerfile: ${file}: ok\n`);
