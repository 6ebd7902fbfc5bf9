// Build both images with docker and push them to the stack's ECR repositories.
import { GetAuthorizationTokenCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { DeployError } from './errors.ts';

export interface ImageBuild {
  readonly dockerfile: string;
  /** The ECR repository's URI, without a tag. */
  readonly repository: string;
}

/** Runs a command with its output shown; rejects naming it when it fails. */
function run(command: string, args: readonly string[], options: { cwd: URL; input?: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'inherit', 'inherit'] });
    child.stdin?.end(options.input);
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(new DeployError(error.code === 'ENOENT' ? `${command} is not installed (or not on PATH)` : `${command} ${args[0]}: ${error.message}`)),
    );
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new DeployError(`"${command} ${args[0]}" failed (${signal ?? `exit code ${code}`}); its output is above`));
    });
  });
}

/**
 * A tag that says where the image came from and never repeats: the
 * repositories' tags are immutable. `a0cd2e7-20250101T120000Z`, with `-dirty`
 * after the commit when the working tree has uncommitted changes.
 */
export async function imageTag(root: URL, now = new Date()): Promise<string> {
  const time = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  try {
    const { stdout } = await promisify(execFile)('git', ['describe', '--always', '--dirty'], { cwd: root });
    return `${stdout.trim()}-${time}`;
  } catch {
    return time; // not a git checkout
  }
}

/**
 * Logs docker in to the registry (the password goes through stdin, never the
 * command line), builds each image for the task's platform, pushes it, and
 * returns the pushed `repository:tag` under the same key as its build.
 */
export async function buildAndPush<K extends string>(
  ecr: ECRClient,
  builds: Readonly<Record<K, ImageBuild>>,
  options: { root: URL; platform: string; tag: string; say: (line: string) => void },
): Promise<Record<K, string>> {
  const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
  const auth = authorizationData?.[0];
  if (!auth?.authorizationToken || !auth.proxyEndpoint) throw new DeployError('ECR returned no authorization token');
  const [user, password] = Buffer.from(auth.authorizationToken, 'base64').toString('utf8').split(':');
  if (!user || !password) throw new DeployError('ECR returned an authorization token in an unknown format');
  options.say(`logging in to ${auth.proxyEndpoint}`);
  await run('docker', ['login', '--username', user, '--password-stdin', auth.proxyEndpoint], { cwd: options.root, input: password });

  const pushed = {} as Record<K, string>;
  for (const [key, build] of Object.entries(builds) as [K, ImageBuild][]) {
    const image = `${build.repository}:${options.tag}`;
    options.say(`building ${image} from ${build.dockerfile} (${options.platform})`);
    await run('docker', ['build', '--platform', options.platform, '--file', build.dockerfile, '--tag', image, '.'], { cwd: options.root });
    options.say(`pushing ${image}`);
    await run('docker', ['push', image], { cwd: options.root });
    pushed[key] = image;
  }
  return pushed;
}

/** The docker platform for the task definition's runtimePlatform.cpuArchitecture. */
export function dockerPlatform(cpuArchitecture: unknown): string {
  if (cpuArchitecture === 'ARM64') return 'linux/arm64';
  if (cpuArchitecture === undefined || cpuArchitecture === 'X86_64') return 'linux/amd64';
  throw new DeployError(`the task definition's runtimePlatform.cpuArchitecture ${JSON.stringify(cpuArchitecture)} is neither X86_64 nor ARM64`);
}
