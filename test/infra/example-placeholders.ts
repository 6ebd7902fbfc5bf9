import type { PlaceholderValues } from '../../infra/placeholders.ts';

/** Values of the shape the deploy step fills in, for one made-up account. */
export const examplePlaceholders: PlaceholderValues = {
  FRONTEND_IMAGE: '123456789012.dkr.ecr.us-east-1.amazonaws.com/fargate-task-reference-frontend:3f2a9c1',
  BACKEND_IMAGE: '123456789012.dkr.ecr.us-east-1.amazonaws.com/fargate-task-reference-backend:3f2a9c1',
  EXECUTION_ROLE_ARN: 'arn:aws:iam::123456789012:role/fargate-task-reference-execution',
  TASK_ROLE_ARN: 'arn:aws:iam::123456789012:role/fargate-task-reference-task',
  LOG_GROUP: '/ecs/fargate-task-reference',
  REGION: 'us-east-1',
  SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:fargate-task-reference/internal-token-AbCdEf',
};
