// The task execution role is what ECS itself uses before the container runs:
// to pull private ECR images, create log streams and read injected secrets.
// (What the application calls at run time uses the task role instead.)
import { objectsIn } from './json.ts';
import { logDriverOf } from './logging.ts';
import type { Container, Rule } from './task.ts';

// <account>.dkr.ecr.<region>.amazonaws.com[.cn]/repository, FIPS endpoints too. Public ECR needs no role.
const PRIVATE_ECR_IMAGE = /^\d{12}\.dkr\.ecr(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\//;

const NEEDS: ReadonlyArray<{ does: string; uses: (container: Container) => boolean }> = [
  { does: 'send logs with awslogs', uses: (container) => logDriverOf(container) === 'awslogs' },
  { does: 'pull private ECR images', uses: (container) => typeof container.def.image === 'string' && PRIVATE_ECR_IMAGE.test(container.def.image) },
  { does: 'inject secrets', uses: (container) => objectsIn(container.def, 'secrets', container.path).length > 0 },
];

export const executionRoleRules: readonly Rule[] = [
  {
    id: 'execution-role',
    *check(task) {
      // A placeholder counts as present: the deployed stack sets it.
      const role = task.def.executionRoleArn;
      if (typeof role === 'string' && role.trim() !== '') return;
      const reasons = NEEDS.flatMap(({ does, uses }) => {
        const users = task.containers.filter(uses).map((container) => container.label);
        return users.length === 0 ? [] : [`${does} (${users.join(', ')})`];
      });
      if (reasons.length === 0) return;
      yield {
        path: 'executionRoleArn',
        message: `The task has no executionRoleArn, but ECS needs that role to ${reasons.join(' and to ')}; set it to the ARN of a role with the AmazonECSTaskExecutionRolePolicy managed policy.`,
      };
    },
  },
];
