// A stand-in for ECS's task metadata endpoint v4: what
// ECS_CONTAINER_METADATA_URI_V4 points at, answering `/task` and
// `/task/stats` with the documents it holds (test/fixtures/task-metadata.ts),
// and counting what it was asked.
import type { TestContext } from 'node:test';
import { fakeBackend } from './fake-backend.ts';

export interface MetadataDocuments {
  /** The JSON text of `/task`. */
  readonly task: string;
  /** The JSON text of `/task/stats`. */
  readonly stats: string;
}

export interface FakeMetadata {
  /** The value for ECS_CONTAINER_METADATA_URI_V4: an origin and a per-container path, as ECS gives. */
  readonly uri: string;
  /** The paths asked, below `uri`, in order: "/task", "/task/stats". */
  readonly asked: string[];
  /** What it answers from now on. */
  documents: MetadataDocuments;
}

const PREFIX = '/v4/0123456789abcdef0123456789abcdef-1000';

export async function fakeMetadata(t: TestContext, documents: MetadataDocuments): Promise<FakeMetadata> {
  const asked: string[] = [];
  const fake = { uri: '', asked, documents };
  const origin = await fakeBackend(t, (req, res) => {
    const path = (req.url ?? '').startsWith(PREFIX) ? (req.url ?? '').slice(PREFIX.length) : req.url ?? '';
    asked.push(path);
    const body = path === '/task' ? fake.documents.task : path === '/task/stats' ? fake.documents.stats : undefined;
    if (body === undefined) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  fake.uri = `${origin}${PREFIX}`;
  return fake;
}
