// The project's name, set once: package.json's `name`. The stack, its
// cluster, task family, log group and secret are named after it, and so is
// the secret the services read by default. Renaming the project is changing
// package.json's name (and docker-compose.yml's, which compose cannot read
// from package.json).
import packageJson from '../../package.json' with { type: 'json' };

export const PROJECT_NAME: string = packageJson.name;
