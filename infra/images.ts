// Where the two images come from. By default CDK builds each Dockerfile and
// pushes it to the bootstrap repository (an unchanged image keeps its tag, so
// it is not pushed again and does not roll the service). With prebuilt URIs
// (CI), the task runs those, and may pull from exactly their repositories.
import { Validations } from 'aws-cdk-lib';
import { Repository } from 'aws-cdk-lib/aws-ecr';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { ContainerImage, CpuArchitecture, type FargateTaskDefinition } from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { CONTAINER_SOURCES, type ContainerName } from './task.ts';

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));

// ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]/NAME:TAG or NAME@sha256:DIGEST
const ECR_IMAGE = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([a-z0-9._/-]+)[:@]/;

/** Images built from the repository's Dockerfiles at `cdk deploy`, for the task's architecture. */
export function builtImages(cpuArchitecture: CpuArchitecture): Record<ContainerName, ContainerImage> {
  const platform = cpuArchitecture === CpuArchitecture.ARM64 ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64;
  // The build context is the repository root; .dockerignore keeps it to package
  // files and services/. Its hash is the image's tag: leaving out the other
  // service's code means a change there neither rebuilds nor rolls this image.
  const build = (name: ContainerName, other: ContainerName) =>
    ContainerImage.fromAsset(REPOSITORY_ROOT, { file: CONTAINER_SOURCES[name].dockerfile, platform, exclude: [`services/${other}`] });
  return { backend: build('backend', 'frontend'), frontend: build('frontend', 'backend') };
}

/** Prebuilt images by URI; the execution role may pull from the private ECR repositories they name, and no other. */
export function prebuiltImages(scope: Construct, uris: Readonly<Record<ContainerName, string>>): {
  images: Record<ContainerName, ContainerImage>;
  grantPull: (definition: FargateTaskDefinition) => void;
} {
  const repositories = Object.values(uris).flatMap((uri) => {
    const match = ECR_IMAGE.exec(uri);
    if (match === null) return []; // a public registry needs no permission
    const [, account, region, china, name] = match;
    return [`arn:${china ? 'aws-cn' : 'aws'}:ecr:${region}:${account}:repository/${name}`];
  });
  return {
    images: { backend: ContainerImage.fromRegistry(uris.backend), frontend: ContainerImage.fromRegistry(uris.frontend) },
    grantPull: (definition) => {
      const role = definition.obtainExecutionRole();
      [...new Set(repositories)].forEach((arn, index) => Repository.fromRepositoryArn(scope, `PrebuiltRepository${index}`, arn).grantPull(role));
      // CDK warns that an ECR image given by URI gets no pull permission: it is granted just above.
      Validations.of(definition).acknowledge({ id: '@aws-cdk/aws-ecs:ecrImageRequiresPolicy', reason: 'pull granted on the image URIs\' repositories in images.ts' });
    },
  };
}
