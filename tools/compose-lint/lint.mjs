// Lints a Docker Compose file for PaperBot (no container engine runs on the build machines): the YAML is parsed
// with `yaml` (anchors and merge keys resolved as Compose resolves them) and checked against PaperBot's rules:
// every service has a health check (a bot's is `paperbot health`) and a restart policy; no secret is written
// inline (secret-looking variables and connection-string passwords come from `${VAR}` interpolation, without a
// default); the PostgreSQL service keeps its data on a named volume; bot services wait for the database to be
// healthy; their shard ids are distinct and cover 0..ShardCount-1; and every `Section__Key` variable of a bot
// service is a configuration key the app reads (an options class with that SectionName and property, a key read
// by name in the code, or a key of appsettings.json). Exit code 1 on any finding.
//   npm ci --prefix tools/compose-lint && node tools/compose-lint/lint.mjs deploy/compose.yaml
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';

/** Variables the .NET runtime, ASP.NET Core and OpenTelemetry read themselves, not PaperBot sections. */
const standardVariable = /^(DOTNET_|ASPNETCORE_|OTEL_|TZ$)/;
/** Sections whose keys are free-form: named connection strings and log categories. */
const openSections = new Set(['connectionstrings', 'logging']);
const secretName = /(TOKEN|PASSWORD|PASSWD|SECRET|API_?KEY|PRIVATE_?KEY)/i;
/** `${VAR}`, `${VAR:?message}`, `${VAR?message}` or `${VAR:-}` (empty default): the value comes from the environment. */
const fromEnvironment = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?:(?::?\?[^}]*)|:?-)?\}$/;

/** The folder holding PaperBot.sln at or above <paramref name="start"/>. */
export function findRepositoryRoot(start) {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'PaperBot.sln'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'bin' || name === 'obj' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (name.endsWith('.cs')) yield path;
  }
}

/**
 * The configuration keys the app reads, lower-cased: section → set of keys. From every options class under src/
 * (a `const string SectionName = "…"` and its public settable properties), from keys read by name in the code
 * (`GetConnectionString("X")`, a `"Section:Key"` literal) and from appsettings.json.
 */
export function configurationKeys(root) {
  const sections = new Map();
  const add = (section, key) => {
    const s = section.toLowerCase();
    if (!sections.has(s)) sections.set(s, new Set());
    if (key) sections.get(s).add(key.toLowerCase());
  };
  for (const file of sourceFiles(join(root, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/GetConnectionString\(\s*"(\w+)"\s*\)/g)) add('ConnectionStrings', m[1]);
    for (const m of text.matchAll(/"([A-Z]\w*):([A-Z]\w*)"/g)) add(m[1], m[2]);
    const section = /const\s+string\s+SectionName\s*=\s*"([^"]+)"/.exec(text);
    if (!section) continue;
    add(section[1]);
    for (const m of text.matchAll(/public\s+(?!static|const)[\w<>?,.\[\]\s]+?\s+(\w+)\s*\{\s*get;\s*(?:set|init);/g)) add(section[1], m[1]);
  }
  const appsettings = join(root, 'appsettings.json');
  if (existsSync(appsettings)) {
    for (const [section, value] of Object.entries(JSON.parse(readFileSync(appsettings, 'utf8')))) {
      add(section);
      if (value && typeof value === 'object' && !Array.isArray(value)) for (const key of Object.keys(value)) add(section, key);
    }
  }
  return sections;
}

/** A service's environment as [name, value] pairs, from either Compose form (map or KEY=value list). */
function environmentOf(service) {
  const env = service.environment;
  if (!env) return [];
  if (Array.isArray(env)) {
    return env.map(e => {
      const text = String(e);
      const i = text.indexOf('=');
      return i < 0 ? [text, null] : [text.slice(0, i), text.slice(i + 1)];
    });
  }
  return Object.entries(env).map(([k, v]) => [k, v === null || v === undefined ? null : String(v)]);
}

function dependsOnHealthy(service, dependency) {
  const deps = service.depends_on;
  if (!deps || Array.isArray(deps)) return false; // the short (list) form only waits for the start
  return deps[dependency]?.condition === 'service_healthy';
}

function hasHealthcheck(service) {
  const hc = service.healthcheck;
  if (!hc || hc.disable === true) return false;
  const test = Array.isArray(hc.test) ? hc.test : [hc.test];
  return test.length > 0 && test[0] !== undefined && test[0] !== 'NONE';
}

function hasRestartPolicy(service) {
  const restart = service.restart ?? service.deploy?.restart_policy?.condition;
  return restart !== undefined && restart !== 'no' && restart !== 'none';
}

/** Lints compose YAML text; returns the findings (empty when it passes). */
export function lintCompose(text, file, root) {
  const findings = [];
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { merge: true, lineCounter, prettyErrors: false });
  for (const e of [...doc.errors, ...doc.warnings]) {
    const { line } = lineCounter.linePos(e.pos[0]);
    findings.push(`${file}:${line}: ${e.message.split('\n')[0]}`);
  }
  if (doc.errors.length > 0) return findings;

  const lines = text.split('\n');
  const lineOf = path => {
    const node = doc.getIn(path, true);
    if (node?.range) return lineCounter.linePos(node.range[0]).line;
    // A key that came in through a merge (<<: *anchor) has no node of its own: its first spelling in the file.
    const key = String(path[path.length - 1]);
    const i = lines.findIndex(l => new RegExp(`^\\s*-?\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*[:=]`).test(l));
    return i < 0 ? 1 : i + 1;
  };
  const compose = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const services = compose.services ?? {};
  if (Object.keys(services).length === 0) return [`${file}:1: no services`];
  const namedVolumes = new Set(Object.keys(compose.volumes ?? {}));
  const keys = root ? configurationKeys(root) : null;

  const databases = Object.entries(services).filter(([, s]) => /^(docker\.io\/)?(library\/)?postgres(:|@|$)/.test(s.image ?? ''));
  const bots = Object.entries(services).filter(([, s]) => s.build !== undefined || /paperbot/i.test(s.image ?? ''));
  if (databases.length === 0) findings.push(`${file}:${lineOf(['services'])}: no PostgreSQL service`);
  if (bots.length === 0) findings.push(`${file}:${lineOf(['services'])}: no PaperBot service (one with build: or a paperbot image)`);

  for (const [name, service] of Object.entries(services)) {
    const at = lineOf(['services', name]);
    if (!hasHealthcheck(service)) findings.push(`${file}:${at}: service ${name} has no healthcheck`);
    if (!hasRestartPolicy(service)) findings.push(`${file}:${at}: service ${name} has no restart policy`);
    for (const [key, value] of environmentOf(service)) {
      if (value === null || value === '') continue; // passed through from the environment, or empty
      const where = `${file}:${lineOf(['services', name, 'environment', key])}`;
      if (secretName.test(key) && !fromEnvironment.test(value)) {
        findings.push(`${where}: ${name}: ${key} is set inline: take it from the environment as \${VAR:?message}`);
      }
      for (const m of value.matchAll(/(?:^|;)\s*(?:password|pwd)\s*=\s*([^;]*)/gi)) {
        if (!fromEnvironment.test(m[1].trim())) findings.push(`${where}: ${name}: ${key} has an inline password: use \${VAR:?message}`);
      }
    }
  }

  for (const [name, db] of databases) {
    const at = lineOf(['services', name]);
    const tag = /:([^@]+)/.exec(db.image.replace(/^[^/]*\//, ''))?.[1];
    if (!tag || tag === 'latest') findings.push(`${file}:${at}: ${name}: pin the PostgreSQL image (for example postgres:15)`);
    const volumes = (db.volumes ?? []).map(v => typeof v === 'string'
      ? { source: v.split(':')[0], target: v.split(':')[1] }
      : { source: v.source, target: v.target });
    const data = volumes.find(v => v.target?.replace(/\/$/, '') === '/var/lib/postgresql/data');
    if (!data) findings.push(`${file}:${at}: ${name}: no volume on /var/lib/postgresql/data: the database would be lost with the container`);
    else if (!namedVolumes.has(data.source)) findings.push(`${file}:${at}: ${name}: ${data.source} is not a named volume declared under volumes:`);
  }

  const shards = [];
  for (const [name, bot] of bots) {
    const at = lineOf(['services', name]);
    for (const [db] of databases) {
      if (!dependsOnHealthy(bot, db)) findings.push(`${file}:${at}: ${name} must depend on ${db} with condition: service_healthy`);
    }
    // The image has no curl or wget: the health check is the app's own verb, the one definition of healthy.
    const test = bot.healthcheck?.test;
    const command = (Array.isArray(test) ? test.join(' ') : String(test ?? ''));
    if (hasHealthcheck(bot) && !/\bpaperbot(\.dll)?\s+health\b/.test(command)) {
      findings.push(`${file}:${lineOf(['services', name, 'healthcheck'])}: ${name}: the health check must run the app's own 'paperbot health' (dotnet paperbot.dll health), got: ${command}`);
    }
    const env = new Map(environmentOf(bot));
    shards.push({ name, at, id: env.get('Discord__ShardId'), count: env.get('Discord__ShardCount') });
    if (!keys) continue;
    for (const [key] of env) {
      if (standardVariable.test(key)) continue;
      const where = `${file}:${lineOf(['services', name, 'environment', key])}`;
      const [section, setting] = key.split('__');
      if (setting === undefined) {
        findings.push(`${where}: ${name}: ${key} is not a configuration key (use Section__Key)`);
      } else if (!keys.has(section.toLowerCase())) {
        findings.push(`${where}: ${name}: ${key}: the app has no configuration section '${section}'`);
      } else if (!openSections.has(section.toLowerCase()) && !keys.get(section.toLowerCase()).has(setting.toLowerCase())) {
        findings.push(`${where}: ${name}: ${key}: '${section}' has no key '${setting}'`);
      }
    }
  }

  // Several processes split the gateway shards: one count, each id once, none missing.
  const counts = new Set(shards.map(s => s.count).filter(c => c !== undefined));
  if (shards.length > 1 || counts.size > 0) {
    if (counts.size !== 1 || shards.some(s => s.count === undefined)) {
      findings.push(`${file}:${shards[0].at}: every PaperBot service must set the same Discord__ShardCount (got ${[...counts].join(', ') || 'none'})`);
    } else {
      const count = Number([...counts][0]);
      if (!Number.isInteger(count) || count < 1) {
        findings.push(`${file}:${shards[0].at}: Discord__ShardCount must be a whole number here (got ${[...counts][0]})`);
      } else {
        const seen = new Map();
        for (const s of shards) {
          const id = Number(s.id);
          if (s.id === undefined || !Number.isInteger(id) || id < 0 || id >= count) {
            findings.push(`${file}:${s.at}: ${s.name}: Discord__ShardId must be one of 0..${count - 1} (got ${s.id ?? 'none'})`);
          } else if (seen.has(id)) {
            findings.push(`${file}:${s.at}: ${s.name}: shard ${id} is also run by ${seen.get(id)}: every interaction would be answered twice`);
          } else {
            seen.set(id, s.name);
          }
        }
        const missing = [...Array(count).keys()].filter(i => !seen.has(i));
        if (missing.length > 0 && seen.size === shards.length) {
          findings.push(`${file}:${shards[0].at}: no service runs shard(s) ${missing.join(', ')} of ${count}: their servers get no answers`);
        }
      }
    }
  }

  return findings;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? 'deploy/compose.yaml';
  const root = findRepositoryRoot(dirname(file));
  const findings = lintCompose(readFileSync(file, 'utf8'), file, root);
  for (const f of findings) console.log(f);
  console.log(findings.length === 0 ? `${file}: ok` : `${file}: ${findings.length} finding(s)`);
  process.exit(findings.length === 0 ? 0 : 1);
}
