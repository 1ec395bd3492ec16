// node --test (run by .ci/run): the real compose file passes, a file breaking every rule fails with each finding.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findRepositoryRoot, lintCompose } from './lint.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = findRepositoryRoot(here);
const lint = name => lintCompose(readFileSync(join(here, name), 'utf8'), name, root);
const bad = lint('test/bad-compose.yaml');
const finds = pattern => assert.ok(bad.some(f => pattern.test(f)), `no finding matches ${pattern}:\n${bad.join('\n')}`);

test('lintCompose_DeployComposeFile_HasNoFinding', () => {
  assert.deepEqual(lintCompose(readFileSync(join(root, 'deploy/compose.yaml'), 'utf8'), 'deploy/compose.yaml', root), []);
});

test('lintCompose_ServiceWithoutHealthcheck_Fails', () => finds(/service db has no healthcheck/));
test('lintCompose_BotHealthcheckNotTheAppsOwn_Fails', () => finds(/bot-a: the health check must run the app's own 'paperbot health'/));
test('lintCompose_ServiceWithoutRestartPolicy_Fails', () => finds(/service bot-b has no restart policy/));
test('lintCompose_InlineToken_Fails', () => finds(/bot-a: Discord__Token is set inline/));
test('lintCompose_InlineDatabasePassword_Fails', () => finds(/db: POSTGRES_PASSWORD is set inline/));
test('lintCompose_InlineConnectionStringPassword_Fails', () => finds(/ConnectionStrings__Library has an inline password/));
test('lintCompose_SecretWithLiteralDefault_Fails', () => finds(/bot-a: Ai__ApiKey is set inline/));
test('lintCompose_RequiredSecretFromEnvironment_Passes', () => assert.ok(!bad.some(f => /bot-b: Discord__Token/.test(f))));
test('lintCompose_UnpinnedPostgres_Fails', () => finds(/pin the PostgreSQL image/));
test('lintCompose_DatabaseOnBindMount_Fails', () => finds(/\/srv\/pgdata is not a named volume/));
test('lintCompose_DependsOnWithoutHealthyCondition_Fails', () => {
  finds(/bot-a must depend on db with condition: service_healthy/);
  finds(/bot-b must depend on db with condition: service_healthy/);
});
test('lintCompose_DuplicateShardId_Fails', () => finds(/bot-b: shard 0 is also run by bot-a/));
test('lintCompose_UnknownConfigurationKey_Fails', () => {
  finds(/Discord__Shard: 'Discord' has no key 'Shard'/);
  finds(/Librar__Path: the app has no configuration section 'Librar'/);
});
test('lintCompose_KnownConfigurationKeys_Pass', () => assert.ok(!bad.some(f => /Discord__ShardCount:|ConnectionStrings__Library: the app/.test(f))));

test('lintCompose_ShardMissing_Fails', () => {
  const text = readFileSync(join(root, 'deploy/compose.yaml'), 'utf8').replace('Discord__ShardCount: "2"', 'Discord__ShardCount: "3"');
  const findings = lintCompose(text, 'compose.yaml', root);
  assert.ok(findings.some(f => /no service runs shard\(s\) 2 of 3/.test(f)), findings.join('\n'));
});

test('lintCompose_ShardIdOutOfRange_Fails', () => {
  const text = readFileSync(join(root, 'deploy/compose.yaml'), 'utf8').replace('Discord__ShardId: "1"', 'Discord__ShardId: "2"');
  const findings = lintCompose(text, 'compose.yaml', root);
  assert.ok(findings.some(f => /paperbot-1: Discord__ShardId must be one of 0\.\.1 \(got 2\)/.test(f)), findings.join('\n'));
});

test('lintCompose_InvalidYaml_Fails', () => {
  assert.notDeepEqual(lintCompose('services:\n  db: [unclosed\n', 'broken.yaml', root), []);
});
