// Who may talk to whom: the security groups of the synthesized stack.
import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXAMPLE, template } from '../helpers/synthesized.ts';

/** The logical ids of the tasks' and the load balancer's security groups: the ones the service and the load balancer name. */
function groupsOf(t: Template): { tasks: string; loadBalancer: string } {
  const [tasks, loadBalancer] = [new Capture(), new Capture()];
  t.hasResourceProperties('AWS::ECS::Service', { NetworkConfiguration: { AwsvpcConfiguration: { SecurityGroups: [{ 'Fn::GetAtt': [tasks, 'GroupId'] }] } } });
  t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { SecurityGroups: [{ 'Fn::GetAtt': [loadBalancer, 'GroupId'] }] });
  return { tasks: tasks.asString(), loadBalancer: loadBalancer.asString() };
}
const groupId = (id: string) => ({ 'Fn::GetAtt': [id, 'GroupId'] });
/** The one security group with these properties. */
const groupWith = (t: Template, properties: object) => t.getResourceId('AWS::EC2::SecurityGroup', { Properties: properties });
const fromAnywhere = (port: number) => ({ FromPort: port, ToPort: port, CidrIp: '0.0.0.0/0' });

test('the tasks admit only the load balancer, only on 3000', () => {
  const t = template();
  const { tasks, loadBalancer } = groupsOf(t);
  assert.equal(groupWith(t, { SecurityGroupIngress: Match.absent() }), tasks, 'no inline ingress rule on the tasks\' group');
  t.resourcePropertiesCountIs('AWS::EC2::SecurityGroupIngress', { GroupId: groupId(tasks) }, 1);
  t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: groupId(tasks), FromPort: 3000, ToPort: 3000, SourceSecurityGroupId: groupId(loadBalancer) });
});

test('the tasks may only make HTTPS calls out (ECR, CloudWatch Logs, Secrets Manager)', () => {
  const t = template();
  const { tasks } = groupsOf(t);
  assert.equal(groupWith(t, { SecurityGroupEgress: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }] }), tasks);
  t.resourcePropertiesCountIs('AWS::EC2::SecurityGroupEgress', { GroupId: groupId(tasks) }, 0);
});

test('the load balancer admits port 80 from anywhere (443 too with a certificate), and may only reach the tasks on 3000', () => {
  const t = template();
  const { tasks, loadBalancer } = groupsOf(t);
  // allowAllOutbound: false, so no inline egress rule: only the one to the tasks, below.
  assert.equal(groupWith(t, { SecurityGroupIngress: [fromAnywhere(80)], SecurityGroupEgress: Match.absent() }), loadBalancer);
  t.resourcePropertiesCountIs('AWS::EC2::SecurityGroupIngress', { GroupId: groupId(loadBalancer) }, 0);
  const https = template({ certificateArn: EXAMPLE.certificateArn, domainName: EXAMPLE.domainName });
  assert.equal(groupWith(https, { SecurityGroupIngress: [fromAnywhere(443), fromAnywhere(80)] }), loadBalancer);
  https.resourcePropertiesCountIs('AWS::EC2::SecurityGroupIngress', { GroupId: groupId(loadBalancer) }, 0);
  t.resourceCountIs('AWS::EC2::SecurityGroupEgress', 1);
  t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { GroupId: groupId(loadBalancer), FromPort: 3000, ToPort: 3000, DestinationSecurityGroupId: groupId(tasks) });
});

test('the load balancer is internet-facing in the public subnets; the tasks run in the private ones without a public IP', () => {
  const t = template();
  const subnets = (type: 'Public' | 'Private') =>
    Object.keys(t.findResources('AWS::EC2::Subnet', { Properties: { Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-type', Value: type }]) } })).map((id) => ({ Ref: id }));
  t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
  t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing', Subnets: subnets('Public') });
  t.resourceCountIs('AWS::ECS::Service', 1);
  t.hasResourceProperties('AWS::ECS::Service', { NetworkConfiguration: { AwsvpcConfiguration: { Subnets: subnets('Private'), AssignPublicIp: 'DISABLED' } } });
  t.resourceCountIs('AWS::EC2::NatGateway', 1);
  t.resourceCountIs('AWS::EC2::Subnet', 4);
});
