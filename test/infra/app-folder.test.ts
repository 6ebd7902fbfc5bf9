// infra/ holds the CDK app and nothing else, so a copier reads it whole: every
// file in it is part of the app that `cdk synth` runs, and the app needs
// nothing from the machinery in tools/ or from the tests.
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { importGraph, reachableFrom } from '../helpers/imports.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const INFRA = join(ROOT, 'infra');
const graph = importGraph(INFRA);
const app = reachableFrom(graph, join(INFRA, 'app.ts'));

test("every file in infra/ is imported by the app's entry, infra/app.ts", () => {
  const unused = [...graph.keys()].filter((file) => !app.has(file)).map((file) => relative(ROOT, file));
  assert.deepEqual(unused, []);
});

test('the CDK app imports only itself and services/ (their settings and name), not tools/ or test/', () => {
  const outside = [...app].map((file) => relative(ROOT, file)).filter((file) => !/^(infra|services)\//.test(file) && file !== 'package.json');
  assert.deepEqual(outside, []);
});
