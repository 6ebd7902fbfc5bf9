// The project is renamed in one place: package.json's `name` (and
// docker-compose.yml's, which compose cannot read from package.json). The
// stack, its secret, task family and log group, and every test follow it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PROJECT_NAME } from '../../services/shared/project.ts';
import { readComposeFile } from '../helpers/compose-file.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Where the name may stand: where it is set, and files written from it (npm's
// lock by `npm install`, the rendered task definition by `npm run infra:render`).
const SET_HERE = new Set(['package.json', 'package-lock.json', 'docker-compose.yml', 'tools/task-definition/task-definition.json']);
// Prose: the docs show commands with the default name.
const SKIPPED = /^(\.git|node_modules|docs|cdk\.out)(\/|$)|(^|\/)node_modules\/|^README\.md$/;

test("docker-compose.yml's project name is package.json's", () => {
  assert.equal((readComposeFile() as { name?: unknown }).name, PROJECT_NAME);
});

test('no other file spells the project name', () => {
  const spelled = readdirSync(ROOT, { recursive: true, encoding: 'utf8' })
    .filter((path) => !SKIPPED.test(path) && !SET_HERE.has(path) && statSync(join(ROOT, path)).isFile())
    .filter((path) => readFileSync(join(ROOT, path), 'utf8').includes(PROJECT_NAME));
  assert.deepEqual(spelled, []);
});
