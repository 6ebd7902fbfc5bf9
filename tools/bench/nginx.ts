// A peer for the benchmark: nginx as a reverse proxy with upstream keep-alive,
// the usual sidecar choice. Debian's nginx-light is enough: apt-get install -y nginx-light.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The nginx binary on PATH (or in /usr/sbin), or undefined when nginx is not installed. */
export function findNginx(): string | undefined {
  for (const candidate of ['nginx', '/usr/sbin/nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** What the config below sets up, for the bench's report. */
export const NGINX_SETUP = 'one worker, upstream keep-alive (64 connections), access log on';

/**
 * The generator ceiling's answer, about the size of the backend's: a fixed
 * JSON body, from nginx's `return 200` or, without nginx, trivial-server.ts.
 */
export const TRIVIAL_BODY = '{"greeting":"Hello, bench!","servedBy":{"service":"trivial","hostname":"bench","pid":1}}';

export interface NginxSetup {
  readonly dir: string;
  readonly port: number;
  readonly backendPort: number;
  readonly token: string;
  /** Where the same worker answers TRIVIAL_BODY itself, with no log: the generator's ceiling. */
  readonly ceilingPort: number;
}

/**
 * Writes a config that runs nginx in the foreground from `dir`: one worker
 * (the Node proxies have one thread each), a keep-alive upstream, the token
 * added on the way, the access log on as nginx ships it (one line per
 * request, unbuffered), like our frontend's; and on a second port the
 * cheapest answer there is, for the generator's ceiling. Returns the
 * arguments for nginx.
 * The file holds the run's token: it is mode 0600, in a directory the bench
 * deletes when it ends.
 */
export function nginxArgs(setup: NginxSetup): string[] {
  const { dir } = setup;
  mkdirSync(join(dir, 'temp'), { recursive: true });
  const config = `
daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'nginx-error.log')} warn;
events { worker_connections 1024; }
http {
  access_log ${join(dir, 'nginx-access.log')};
  client_body_temp_path ${join(dir, 'temp')};
  proxy_temp_path ${join(dir, 'temp')};
  fastcgi_temp_path ${join(dir, 'temp')};
  uwsgi_temp_path ${join(dir, 'temp')};
  scgi_temp_path ${join(dir, 'temp')};
  upstream backend {
    server 127.0.0.1:${setup.backendPort};
    keepalive 64;
    # nginx closes a keep-alive connection after 1000 requests by default,
    # on both sides; the Node servers do not, and the load generator counts
    # each such close as an error.
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${setup.port};
    keepalive_requests 1000000;
    location = /api/hello {
      rewrite ^ /hello break;
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "Bearer ${setup.token}";
    }
    location = /health {
      access_log off;
      return 200 "ok";
    }
  }
  server {
    listen 127.0.0.1:${setup.ceilingPort};
    keepalive_requests 1000000;
    access_log off;
    default_type application/json;
    location / {
      return 200 '${TRIVIAL_BODY}';
    }
  }
}
`;
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, config, { mode: 0o600 });
  // -e: the error log before the config is read (the default path may not be writable).
  return ['-p', dir, '-e', join(dir, 'nginx-error.log'), '-c', file];
}
