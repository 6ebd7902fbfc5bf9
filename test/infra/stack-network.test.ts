// Who may talk to whom: the security groups of the synthesized stack.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onlyOf, resourcesOf } from '../helpers/synthesized.ts';

const groupId = (prefix: string) => {
  const found = resourcesOf('AWS::EC2::SecurityGroup').filter((group) => group.id.startsWith(prefix));
  assert.equal(found.length, 1, prefix);
  return { 'Fn::GetAtt': [found[0]!.id, 'GroupId'] };
};
const taskGroup = groupId('ServiceSecurityGroup');
const loadBalancerGroup = groupId('LoadBalancerSecurityGroup');

/** Every ingress rule of a group, inline or as its own resource, reduced to what it admits. */
function ingressOf(group: { 'Fn::GetAtt': string[] }, context: Record<string, string> = {}) {
  const inline = resourcesOf('AWS::EC2::SecurityGroup', context).find((g) => g.id === group['Fn::GetAtt'][0])?.Properties?.SecurityGroupIngress ?? [];
  const separate = resourcesOf('AWS::EC2::SecurityGroupIngress', context)
    .map((rule) => rule.Properties!)
    .filter((rule) => JSON.stringify(rule.GroupId) === JSON.stringify(group));
  return [...inline, ...separate].map((rule: Record<string, unknown>) => ({
    ports: [rule.FromPort, rule.ToPort],
    from: rule.SourceSecurityGroupId ?? rule.CidrIp ?? rule.CidrIpv6,
  }));
}

test('the tasks admit only the load balancer, only on 3000', () => {
  assert.deepEqual(ingressOf(taskGroup), [{ ports: [3000, 3000], from: loadBalancerGroup }]);
});

test('the tasks may only make HTTPS calls out (ECR, CloudWatch Logs, Secrets Manager)', () => {
  const group = resourcesOf('AWS::EC2::SecurityGroup').find((g) => g.id === taskGroup['Fn::GetAtt'][0])!;
  assert.deepEqual(
    group.Properties!.SecurityGroupEgress.map((rule: Record<string, unknown>) => [rule.IpProtocol, rule.FromPort, rule.ToPort, rule.CidrIp]),
    [['tcp', 443, 443, '0.0.0.0/0']],
  );
  assert.deepEqual(
    resourcesOf('AWS::EC2::SecurityGroupEgress').filter((rule) => JSON.stringify(rule.Properties!.GroupId) === JSON.stringify(taskGroup)),
    [],
  );
});

test('the load balancer admits port 80 from anywhere (443 too with a certificate), and may only reach the tasks on 3000', () => {
  assert.deepEqual(ingressOf(loadBalancerGroup), [{ ports: [80, 80], from: '0.0.0.0/0' }]);
  const https = { certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef', domainName: 'app.example.com' };
  assert.deepEqual(
    ingressOf(loadBalancerGroup, https).sort((a, b) => Number(a.ports[0]) - Number(b.ports[0])),
    [
      { ports: [80, 80], from: '0.0.0.0/0' },
      { ports: [443, 443], from: '0.0.0.0/0' },
    ],
  );
  const group = resourcesOf('AWS::EC2::SecurityGroup').find((g) => g.id === loadBalancerGroup['Fn::GetAtt'][0])!;
  // allowAllOutbound: false, so no inline rule: only the one to the tasks, below.
  assert.equal(group.Properties!.SecurityGroupEgress, undefined);
  const egress = resourcesOf('AWS::EC2::SecurityGroupEgress').map((rule) => rule.Properties!);
  assert.deepEqual(egress.map((rule) => [rule.GroupId, rule.FromPort, rule.ToPort, rule.DestinationSecurityGroupId]), [[loadBalancerGroup, 3000, 3000, taskGroup]]);
});

test('the load balancer is internet-facing in the public subnets; the tasks run in the private ones without a public IP', () => {
  const { Properties: loadBalancer } = onlyOf('AWS::ElasticLoadBalancingV2::LoadBalancer');
  assert.equal(loadBalancer!.Scheme, 'internet-facing');
  const subnets = (kind: string) =>
    resourcesOf('AWS::EC2::Subnet')
      .filter((subnet) => subnet.id.includes(kind))
      .map((subnet) => ({ Ref: subnet.id }));
  assert.deepEqual(loadBalancer!.Subnets, subnets('public'));
  const { AwsvpcConfiguration } = onlyOf('AWS::ECS::Service').Properties!.NetworkConfiguration;
  assert.deepEqual(AwsvpcConfiguration.Subnets, subnets('private'));
  assert.equal(AwsvpcConfiguration.AssignPublicIp, 'DISABLED');
  assert.equal(resourcesOf('AWS::EC2::NatGateway').length, 1);
  assert.equal(resourcesOf('AWS::EC2::Subnet').length, 4);
});
