// Lints a Dockerfile: syntax and instruction checks from dockerfile-utils (the VS Code Docker linter),
// plus PaperBot's own rules (hadolint-like): pinned base images, a non-root USER and a HEALTHCHECK in
// the final stage, exec-form ENTRYPOINT, no secrets baked into ENV/ARG, and every project of PaperBot.sln
// copied before the cached `dotnet restore` (a missing one fails the restore). Exit code 1 on any finding.
//   npm ci --prefix tools/dockerfile-lint && node tools/dockerfile-lint/lint.mjs Dockerfile
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { validate, ValidationSeverity } from 'dockerfile-utils';

const file = process.argv[2] ?? 'Dockerfile';
const text = readFileSync(file, 'utf8');
const findings = [];

const severity = ValidationSeverity.ERROR;
const settings = {
  deprecatedMaintainer: severity, directiveCasing: severity, emptyContinuationLine: severity,
  instructionCasing: severity, instructionCmdMultiple: severity, instructionEntrypointMultiple: severity,
  instructionHealthcheckMultiple: severity, instructionJSONInSingleQuotes: severity,
  instructionWorkdirRelative: severity,
};
for (const d of validate(text, settings)) {
  findings.push(`${file}:${d.range.start.line + 1}: ${d.message}`);
}

// Join continuation lines so each instruction is one logical line.
const lines = [];
let current = '';
let startLine = 0;
text.split('\n').forEach((raw, i) => {
  const line = raw.trimEnd();
  if (!current && (line.trim() === '' || line.trim().startsWith('#'))) return;
  if (!current) startLine = i + 1;
  current += (current ? ' ' : '') + line.replace(/\\$/, '').trim();
  if (!line.endsWith('\\')) { lines.push({ n: startLine, text: current }); current = ''; }
});

const stages = [];
for (const { n, text: line } of lines) {
  const [instruction] = line.split(/\s+/, 1);
  const upper = instruction.toUpperCase();
  if (upper === 'FROM') {
    stages.push({ n, line, user: null, healthcheck: false, entrypoint: null });
    const image = line.split(/\s+/)[1] ?? '';
    if (!image.includes(':') && !image.includes('@') && image !== 'scratch') findings.push(`${file}:${n}: FROM ${image} has no tag: pin the base image`);
    if (/:latest\b/.test(image)) findings.push(`${file}:${n}: FROM ${image} uses :latest: pin the base image`);
  }
  const stage = stages[stages.length - 1];
  if (!stage) continue;
  if (upper === 'USER') stage.user = line.slice(5).trim();
  if (upper === 'HEALTHCHECK') stage.healthcheck = !/HEALTHCHECK\s+NONE/i.test(line);
  if (upper === 'ENTRYPOINT' || upper === 'CMD') stage.entrypoint = { n, line };
  if ((upper === 'ENV' || upper === 'ARG') && /(TOKEN|SECRET|PASSWORD|API_?KEY)\w*\s*=\s*\S/i.test(line)) {
    findings.push(`${file}:${n}: ${upper} sets a secret-looking value: pass secrets at run time`);
  }
  if (upper === 'RUN' && /\b(apt-get|apt)\s+install\b/.test(line) && !/--no-install-recommends/.test(line)) {
    findings.push(`${file}:${n}: apt-get install without --no-install-recommends`);
  }
  if (upper === 'ADD' && !/https?:\/\//.test(line) && !/\.tar/.test(line)) findings.push(`${file}:${n}: use COPY instead of ADD`);
}

// The restore layer copies project files one by one; each project the solution lists must be among them.
const solution = join(dirname(file), 'PaperBot.sln');
const restore = lines.find(l => /^RUN\s+dotnet\s+restore\b/i.test(l.text));
if (restore && existsSync(solution)) {
  const copied = lines.filter(l => l.n < restore.n && /^COPY\s/i.test(l.text)).map(l => l.text.replace(/\\/g, '/')).join('\n');
  const projects = [...readFileSync(solution, 'utf8').matchAll(/"([^"]+\.csproj)"/g)].map(m => m[1].replace(/\\/g, '/'));
  for (const project of projects) {
    if (!copied.includes(project)) findings.push(`${file}:${restore.n}: ${project} is in PaperBot.sln but not copied before dotnet restore`);
  }
}

const last = stages[stages.length - 1];
if (!last) {
  findings.push(`${file}: no FROM instruction`);
} else {
  if (!last.user || /^(root|0)(:|$)/.test(last.user)) findings.push(`${file}:${last.n}: the final stage must switch to a non-root USER`);
  if (!last.healthcheck) findings.push(`${file}:${last.n}: the final stage has no HEALTHCHECK`);
  if (!last.entrypoint) findings.push(`${file}:${last.n}: the final stage has no ENTRYPOINT or CMD`);
  else if (!/^\w+\s+\[/.test(last.entrypoint.line)) findings.push(`${file}:${last.entrypoint.n}: use the exec (JSON) form for ${last.entrypoint.line.split(' ')[0]}`);
}

for (const f of findings) console.log(f);
console.log(findings.length === 0 ? `${file}: ok (${lines.length} instructions, ${stages.length} stages)` : `${file}: ${findings.length} finding(s)`);
process.exit(findings.length === 0 ? 0 : 1);
